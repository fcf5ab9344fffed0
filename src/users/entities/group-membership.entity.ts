import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A row of `group_memberships`; deleting the user or the group deletes it (ON DELETE CASCADE). */
@Entity('group_memberships')
export class GroupMembershipEntity {
  @PrimaryColumn('uuid') userId: string;
  @PrimaryColumn('uuid') groupId: string;
  @Column('timestamptz') createdAt: Date;
}
