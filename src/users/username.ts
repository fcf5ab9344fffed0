/**
 * How a username is derived from an identity provider's claims (Defguard's
 * `openid_username_handling`, JSON spelling). The cleaning rules live in this file.
 */
export const USERNAME_HANDLINGS = ['RemoveForbidden', 'ReplaceForbidden', 'PruneEmailDomain'] as const;
export type UsernameHandling = (typeof USERNAME_HANDLINGS)[number];
