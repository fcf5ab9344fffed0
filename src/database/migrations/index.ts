import { AuditEvents1764300000000 } from './1764300000000-audit-events';
import { UsersGroupsChangeFeed1764310000001 } from './1764310000001-users-groups-change-feed';
import { IdentityProviders1764320000001 } from './1764320000001-identity-providers';
import { IdentitySettings1764320000002 } from './1764320000002-identity-settings';
import { DirectorySync1764330000001 } from './1764330000001-directory-sync';
import { SignIn1764340000001 } from './1764340000001-sign-in';
import { SyncRunMode1764350000001 } from './1764350000001-sync-run-mode';

/**
 * Every migration, oldest first. An explicit list (not a glob) so the same code runs from src/
 * under ts-jest and from dist/ after `nest build`. Keep the list in timestamp order.
 */
export const MIGRATIONS = [
  AuditEvents1764300000000,
  UsersGroupsChangeFeed1764310000001,
  IdentityProviders1764320000001,
  IdentitySettings1764320000002,
  DirectorySync1764330000001,
  SignIn1764340000001,
  SyncRunMode1764350000001,
];
