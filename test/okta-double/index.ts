// Public surface of the Okta org test double (used by e2e tests and benchmarks).
export { OktaOrgDouble } from './okta-org-double';
export type { OktaDoubleOptions, ClientRegistration } from './okta-org-double';
export type {
  UserStatus,
  GroupType,
  UserProfile,
  UserRecord,
  GroupRecord,
  NewUser,
  UserPatch,
  NewGroup,
  GroupPatch,
  SeedOptions,
  SeedSummary,
} from './directory';
export type { FaultSpec, FaultKind } from './faults';
export type { DoubleStats } from './stats';
export type { RateLimits, Bucket } from './rate-limits';
export { WORKFORCE_LIMITS } from './rate-limits';
export { accessTokenHash } from './dpop';
