/**
 * The verified identity -> a Defguard user. One function for LOGIN and ENROLLMENT
 * (`resolveSignInUser`) and a lookup-only one for MFA (`resolveMfaUser`): MFA never creates or
 * links an account (reference §10 item 5). Each rule is a small named check.
 */
import { ConflictError, SignInError, ValidationError } from '../common/errors';
import type { VerifiedIdentity } from './hardened-oidc.strategy';
import type { SignInSettings, SignInUser, SignInUserDirectory } from './ports';

export interface ResolvedUser {
  user: SignInUser;
  created: boolean;
  linked: boolean;
}

/** Defguard §3.3 6a/6b: a disabled account never signs in. */
export function checkUserActive(user: SignInUser): void {
  if (!user.is_active) throw new SignInError('user_disabled', 'The user account is disabled');
}

/** OIDC Core §5.1: `email` is optional; without it we can neither link nor create. */
export function checkEmailPresent(email: string | null): asserts email is string {
  if (!email) {
    throw new SignInError('email_missing', 'The provider returned no "email" (neither in the ID token nor from userinfo): grant the email scope to the application');
  }
}

/** OIDC Core §5.1 / §5.7: an email the provider says is unverified is never trusted to match or create an account. */
export function checkEmailVerified(emailVerified: boolean | null): void {
  if (emailVerified === false) {
    throw new SignInError('email_unverified', 'The provider says the email is not verified ("email_verified": false)');
  }
}

/** Linking must not silently move an account from one identity of this provider to another (Defguard overwrites). */
export function checkNotLinkedElsewhere(user: SignInUser, identity: VerifiedIdentity): void {
  if (user.subject && user.oidc_issuer === identity.issuer && user.subject !== identity.subject) {
    throw new SignInError('email_linked_to_other_identity', 'The account with this email is already linked to another identity of this provider');
  }
}

/** Defguard §3.3 6c: the username candidate is `preferred_username`, else the email's local part. */
export function usernameCandidate(identity: VerifiedIdentity, email: string): string {
  return identity.preferredUsername ?? email.slice(0, email.indexOf('@') === -1 ? undefined : email.indexOf('@'));
}

export async function resolveSignInUser(users: SignInUserDirectory, identity: VerifiedIdentity, settings: SignInSettings): Promise<ResolvedUser> {
  const bySubject = await users.getByIssuerSubject(identity.issuer, identity.subject);
  if (bySubject) {
    checkUserActive(bySubject);
    return { user: bySubject, created: false, linked: false };
  }
  checkEmailPresent(identity.email);
  const byEmail = await users.getByEmail(identity.email);
  if (byEmail) {
    checkEmailVerified(identity.emailVerified);
    checkUserActive(byEmail);
    checkNotLinkedElsewhere(byEmail, identity);
    return { user: await users.linkSubject(byEmail.id, identity.issuer, identity.subject), created: false, linked: true };
  }
  if (!settings.createAccount) {
    throw new SignInError('account_creation_disabled', 'No user matches this identity and automatic account creation is disabled: enable it or create the user');
  }
  checkEmailVerified(identity.emailVerified);
  const username = usernameCandidate(identity, identity.email);
  try {
    const user = await users.createOidcUser(
      {
        username,
        email: identity.email,
        first_name: identity.givenName ?? '',
        last_name: identity.familyName ?? '',
        phone: identity.phone,
        oidc_issuer: identity.issuer,
        subject: identity.subject,
      },
      settings.usernameHandling,
    );
    return { user, created: true, linked: false };
  } catch (error) {
    if (error instanceof ConflictError && error.code === 'username_taken') {
      throw new SignInError('username_taken', `A different user already has the username derived from this identity (from ${identity.preferredUsername ? '"preferred_username"' : 'the email'}): rename one of them or link the account`, { cause: error });
    }
    if (error instanceof ConflictError) {
      throw new SignInError('account_conflict', `The new account conflicts with an existing one (${error.message})`, { cause: error });
    }
    if (error instanceof ValidationError && error.code === 'invalid_username') {
      throw new SignInError('username_invalid', `No valid username can be derived from this identity: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** MFA: the identity must BE the expected user, by (issuer, sub), or if unlinked by verified email. */
export async function resolveMfaUser(users: SignInUserDirectory, identity: VerifiedIdentity, expectedUserId: string): Promise<SignInUser> {
  const mismatch = () => new SignInError('mfa_identity_mismatch', 'The identity that signed in is not the user who must pass MFA');
  const bySubject = await users.getByIssuerSubject(identity.issuer, identity.subject);
  if (bySubject) {
    if (bySubject.id !== expectedUserId) throw mismatch();
    checkUserActive(bySubject);
    return bySubject;
  }
  checkEmailPresent(identity.email);
  const byEmail = await users.getByEmail(identity.email);
  if (!byEmail || byEmail.id !== expectedUserId || (byEmail.subject && byEmail.oidc_issuer === identity.issuer)) throw mismatch();
  checkEmailVerified(identity.emailVerified);
  checkUserActive(byEmail);
  return byEmail;
}
