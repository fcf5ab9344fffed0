/**
 * What sign-in needs from the identity-provider and users modules, as the shapes their exported
 * services already have (ProviderService + DiscoveryService, UsersService + GroupsService). The
 * module binds these to those services (sign-in.module.ts); tests may bind small fakes.
 */
import type { GroupResponse, UserResponse } from '../users/user-response';
import type { UsernameHandling } from '../users/username';

export interface SignInProvider {
  id: string;
  kind: string;
  /** Equal to the discovery document's `issuer` (checked by DiscoveryService). */
  baseUrl: string;
  clientId: string;
  /** Decrypted: never log or return it. */
  clientSecret: string;
  buttonDisplayName: string | null;
  /** Google only (`prompt=select_account`). */
  supportsSelectAccountPrompt: boolean;
  updatedAt: Date;
}

export interface SignInSettings {
  createAccount: boolean;
  usernameHandling: UsernameHandling;
}

/** OIDC Discovery 1.0 §3 fields used here. */
export interface ProviderEndpoints {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
  token_endpoint_auth_methods_supported?: string[];
}

export abstract class SignInProviderSource {
  abstract getActiveProvider(): Promise<SignInProvider | null>;
  abstract getSettings(): Promise<SignInSettings>;
  /** Cached discovery; throws an UpstreamError (UNAVAILABLE) naming the failed rule. */
  abstract discover(baseUrl: string): Promise<ProviderEndpoints>;
  /** Called after every change of the provider or the settings; returns the unsubscribe. */
  abstract onChange(listener: () => void): () => void;
}

/** Users as the users module returns them (UsersService). */
export type SignInUser = UserResponse;
export type SignInGroup = GroupResponse;

export interface NewOidcUser {
  username: string;
  email: string;
  first_name?: string;
  last_name?: string;
  phone?: string | null;
  oidc_issuer: string;
  subject: string;
}

export abstract class SignInUserDirectory {
  abstract getById(id: string): Promise<SignInUser | null>;
  abstract getByIssuerSubject(issuer: string, subject: string): Promise<SignInUser | null>;
  /** Case-insensitive exact match. */
  abstract getByEmail(email: string): Promise<SignInUser | null>;
  /** Cleans the username per `usernameHandling`, validates it; ConflictError when taken. */
  abstract createOidcUser(input: NewOidcUser, usernameHandling: UsernameHandling): Promise<SignInUser>;
  abstract linkSubject(userId: string, issuer: string, subject: string): Promise<SignInUser>;
}

/**
 * The seam for directory sync: after a LOGIN or ENROLLMENT sign-in, refresh the user's groups
 * from the directory (when sync is enabled, honouring its target and the last-admin rule). The
 * sync module provides it; when nothing is bound, sign-in skips the step. Failures are logged
 * and never fail the sign-in (as in Defguard).
 */
export interface LoginGroupRefresher {
  refreshUserGroups(user: { id: string; email: string; subject: string; issuer: string }): Promise<void>;
}
export const LOGIN_GROUP_REFRESHER = Symbol('LOGIN_GROUP_REFRESHER');
