import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { UserSource } from '../user-response';

/** A row of `users` (schema: migrations/1764310000001-users-groups-change-feed.ts). */
@Entity('users')
export class UserEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') username: string;
  /** Stored as given; unique and compared through lower(email). */
  @Column('text') email: string;
  @Column('text') firstName: string;
  @Column('text') lastName: string;
  @Column('text', { nullable: true }) phone: string | null;
  @Column('boolean') isActive: boolean;
  /** With `subject`, the linked OIDC identity: (oidc_issuer, subject) is unique. */
  @Column('text', { nullable: true }) oidcIssuer: string | null;
  @Column('text', { nullable: true }) subject: string | null;
  /** The directory's own user id (e.g. Okta's `00u...`), unique when set. */
  @Column('text', { nullable: true }) directoryId: string | null;
  @Column('text') source: UserSource;
  @Column('timestamptz') createdAt: Date;
  @Column('timestamptz') updatedAt: Date;
}
