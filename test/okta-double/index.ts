// Public surface of the Okta org test double (used by e2e tests and benchmarks).
//
//   const okta = await OktaOrgDouble.start({ latencyMs: 20, timeScale: 60 });
//   okta.registerClient({ clientId: 'svc', publicJwk, scopes: ['okta.users.read', 'okta.groups.read'] });
//   okta.seed({ users: 100_000, groups: 2_000, membershipsPerUser: 5, deprovisionedShare: 0.05 });
//   // point the service's Okta client at okta.url; read okta.stats(); await okta.stop();
//
// Design notes: every listing pages through an array sorted by id (the `after` cursor is the last
// id returned, found again by binary search), filters are evaluated while scanning for the page,
// and objects are serialised only for the page being answered, so a request never costs
// O(all users). The double's clock (`now()`) is the local clock plus `clockSkewMs` and is used for
// the Date header, X-Rate-Limit-Reset and the time checks on client assertions and DPoP proofs;
// access-token lifetimes run on the local clock.
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
