import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { UsernameHandling } from '../../users/username';

/** The singleton identity_settings row (id = 1). */
@Entity('identity_settings')
export class IdentitySettingsEntity {
  @PrimaryColumn('smallint')
  id: number;

  @Column('boolean')
  createAccount: boolean;

  @Column('text')
  usernameHandling: UsernameHandling;

  @Column('timestamptz')
  updatedAt: Date;
}
