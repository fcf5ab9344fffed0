import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A row of `groups`. Active members of an is_admin group are Defguard admins. */
@Entity('groups')
export class GroupEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') name: string;
  @Column('boolean') isAdmin: boolean;
  @Column('text', { nullable: true }) directoryId: string | null;
  @Column('timestamptz') createdAt: Date;
  @Column('timestamptz') updatedAt: Date;
}
