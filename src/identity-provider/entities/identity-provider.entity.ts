import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { DirectorySyncBehavior, DirectorySyncTarget, ProviderKind } from '../provider-kind';

/** A row of identity_providers. Secret columns hold SecretBox ciphertexts; this never leaves the service. */
@Entity('identity_providers')
export class IdentityProviderEntity {
  // bigserial: pg returns it as a string, which is kept to avoid precision loss.
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column('text')
  name: string;

  @Column('text')
  kind: ProviderKind;

  @Column('text')
  baseUrl: string;

  @Column('text')
  clientId: string;

  @Column('text')
  clientSecretEncrypted: string;

  @Column('text', { nullable: true })
  displayName: string | null;

  @Column('text', { nullable: true })
  googleServiceAccountKeyEncrypted: string | null;

  @Column('text', { nullable: true })
  googleServiceAccountEmail: string | null;

  @Column('text', { nullable: true })
  adminEmail: string | null;

  @Column('text', { nullable: true })
  oktaPrivateJwkEncrypted: string | null;

  @Column('text', { nullable: true })
  oktaDirsyncClientId: string | null;

  @Column('text', { nullable: true })
  jumpcloudApiKeyEncrypted: string | null;

  @Column('boolean')
  directorySyncEnabled: boolean;

  @Column('integer')
  directorySyncInterval: number;

  @Column('text')
  directorySyncUserBehavior: DirectorySyncBehavior;

  @Column('text')
  directorySyncAdminBehavior: DirectorySyncBehavior;

  @Column('text')
  directorySyncTarget: DirectorySyncTarget;

  @Column('text', { array: true })
  directorySyncGroupMatch: string[];

  @Column('boolean')
  prefetchUsers: boolean;

  @Column('timestamptz')
  createdAt: Date;

  @Column('timestamptz')
  updatedAt: Date;
}
