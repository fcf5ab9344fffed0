// The claims-to-user rules (src/sign-in/claims-to-user.ts) against the real UsersService on
// PostgreSQL: case-insensitive email matching and username collisions are the users module's
// SQL and constraints, so a fake directory would only test the fake.
import { randomUUID } from 'node:crypto';
import { SignInError } from '../../src/common/errors';
import type { VerifiedIdentity } from '../../src/sign-in/hardened-oidc.strategy';
import { resolveMfaUser, resolveSignInUser } from '../../src/sign-in/claims-to-user';
import { SignInUserDirectory, type SignInSettings } from '../../src/sign-in/ports';
import { UsersService } from '../../src/users/users.service';
import { startTestApp, type TestApp } from '../support/app';

const ISSUER = 'https://example.okta.com';
const OTHER_ISSUER = 'https://other-idp.example.com';
const CREATE: SignInSettings = { createAccount: true, usernameHandling: 'RemoveForbidden' };
const NO_CREATE: SignInSettings = { createAccount: false, usernameHandling: 'RemoveForbidden' };

/** A verified identity with a unique sub and email unless overridden. */
function identity(overrides: Partial<VerifiedIdentity> = {}): VerifiedIdentity {
  const tag = randomUUID().slice(0, 8);
  return {
    issuer: ISSUER,
    subject: `sub-${tag}`,
    email: `person-${tag}@example.test`,
    emailVerified: true,
    givenName: 'Given',
    familyName: 'Family',
    preferredUsername: `person-${tag}`,
    phone: null,
    ...overrides,
  };
}

describe('claims to user (resolveSignInUser, resolveMfaUser) on the real UsersService', () => {
  let app: TestApp;
  let sut: SignInUserDirectory;
  let users: UsersService;

  beforeAll(async () => {
    app = await startTestApp();
    sut = app.app.get(SignInUserDirectory, { strict: false });
    users = app.app.get(UsersService, { strict: false });
  });

  afterAll(async () => {
    await app?.stop();
  });

  /** A local account (no OIDC link) with a unique username and the given email. */
  const localUser = (email: string, extra: { is_active?: boolean; username?: string } = {}) =>
    users.createUser({ username: extra.username ?? `local-${randomUUID().slice(0, 8)}`, email, is_active: extra.is_active }, { source: 'LOCAL' });
  /** An account already linked to (issuer, sub). */
  const linkedUser = (id: VerifiedIdentity, extra: { is_active?: boolean } = {}) =>
    users.createUser({ username: `linked-${randomUUID().slice(0, 8)}`, email: id.email!, oidc_issuer: id.issuer, subject: id.subject, is_active: extra.is_active }, { source: 'OIDC' });
  const countUsers = async () => Number((await app.db.query<{ n: string }>('SELECT count(*) AS n FROM users'))[0].n);
  /** A SignInError (refused sign-in, `kind` forbidden) with this code, not the users module's own error. */
  const refusal = (code: string) => expect.objectContaining({ code, kind: 'forbidden', name: SignInError.name });

  describe('LOGIN / ENROLLMENT (resolveSignInUser)', () => {
    it('finds the account linked to (issuer, sub), whatever the email says', async () => {
      const id = identity();
      const linked = await linkedUser(id);
      const resolved = await resolveSignInUser(sut, { ...id, email: 'changed@example.test', emailVerified: false }, CREATE);
      expect(resolved).toMatchObject({ created: false, linked: false, user: { id: linked.id } });
    });

    it('matches (issuer, sub) only with the same issuer: the same sub from another issuer is another identity', async () => {
      const id = identity();
      const linked = await linkedUser(id);
      const resolved = await resolveSignInUser(sut, { ...id, issuer: OTHER_ISSUER, email: `fresh-${randomUUID().slice(0, 8)}@example.test` }, CREATE);
      expect(resolved.created).toBe(true);
      expect(resolved.user.id).not.toBe(linked.id);
    });

    it('links an unlinked account by email, case-insensitively, and stores the (issuer, sub)', async () => {
      const id = identity();
      const local = await localUser(id.email!.toUpperCase());
      const resolved = await resolveSignInUser(sut, id, CREATE);
      expect(resolved).toMatchObject({ created: false, linked: true, user: { id: local.id, subject: id.subject, oidc_issuer: ISSUER } });
      await expect(users.getByIssuerSubject(ISSUER, id.subject)).resolves.toMatchObject({ id: local.id });
    });

    it('links by email when the provider does not say whether it is verified (email_verified absent)', async () => {
      const id = identity({ emailVerified: null });
      const local = await localUser(id.email!);
      await expect(resolveSignInUser(sut, id, NO_CREATE)).resolves.toMatchObject({ linked: true, user: { id: local.id } });
    });

    it('matches the email exactly: a prefix, a pattern or another address never links', async () => {
      const tag = randomUUID().slice(0, 8);
      await localUser(`pat${tag}@example.test`);
      for (const email of [`pat${tag}@example.tes`, `pa_${tag}@example.test`, `pat%@example.test`, `xpat${tag}@example.test`]) {
        await expect(resolveSignInUser(sut, identity({ email }), NO_CREATE)).rejects.toEqual(refusal('account_creation_disabled'));
      }
    });

    it('refuses to link by an email the provider says is unverified (email_verified false), and leaves the account unlinked', async () => {
      const id = identity({ emailVerified: false });
      const local = await localUser(id.email!);
      await expect(resolveSignInUser(sut, id, CREATE)).rejects.toEqual(refusal('email_unverified'));
      await expect(users.getById(local.id)).resolves.toMatchObject({ subject: null, oidc_issuer: null });
    });

    it('refuses to create an account from an unverified email', async () => {
      const before = await countUsers();
      await expect(resolveSignInUser(sut, identity({ emailVerified: false }), CREATE)).rejects.toEqual(refusal('email_unverified'));
      expect(await countUsers()).toBe(before);
    });

    it('refuses an identity without an email that matches no (issuer, sub)', async () => {
      await expect(resolveSignInUser(sut, identity({ email: null }), CREATE)).rejects.toEqual(refusal('email_missing'));
    });

    it('refuses to move an account linked to another sub of this provider', async () => {
      const first = identity();
      const linked = await linkedUser(first);
      const second = identity({ email: first.email });
      await expect(resolveSignInUser(sut, second, CREATE)).rejects.toEqual(refusal('email_linked_to_other_identity'));
      await expect(users.getById(linked.id)).resolves.toMatchObject({ subject: first.subject });
    });

    it('creates an account only when account creation is on, from preferred_username', async () => {
      const id = identity();
      const resolved = await resolveSignInUser(sut, id, CREATE);
      expect(resolved).toMatchObject({ created: true, linked: false, user: { username: id.preferredUsername, email: id.email, subject: id.subject, oidc_issuer: ISSUER, source: 'OIDC', first_name: 'Given', last_name: 'Family' } });
    });

    it('takes the username from the email local part without preferred_username', async () => {
      const tag = randomUUID().slice(0, 8);
      const resolved = await resolveSignInUser(sut, identity({ preferredUsername: null, email: `mail.${tag}@example.test` }), CREATE);
      expect(resolved.user.username).toBe(`mail.${tag}`);
    });

    it('refuses a new identity when account creation is off, creating nothing', async () => {
      const before = await countUsers();
      await expect(resolveSignInUser(sut, identity(), NO_CREATE)).rejects.toEqual(refusal('account_creation_disabled'));
      expect(await countUsers()).toBe(before);
    });

    it('refuses a disabled account, whether found by (issuer, sub) or by email', async () => {
      const bySub = identity();
      await linkedUser(bySub, { is_active: false });
      await expect(resolveSignInUser(sut, bySub, CREATE)).rejects.toEqual(refusal('user_disabled'));
      const byEmail = identity();
      const local = await localUser(byEmail.email!, { is_active: false });
      await expect(resolveSignInUser(sut, byEmail, CREATE)).rejects.toEqual(refusal('user_disabled'));
      await expect(users.getById(local.id)).resolves.toMatchObject({ subject: null });
    });

    it('refuses with username_taken when the derived username belongs to another user', async () => {
      const taken = `taken-${randomUUID().slice(0, 8)}`;
      await localUser(`someone-${taken}@example.test`, { username: taken });
      const id = identity({ preferredUsername: taken });
      await expect(resolveSignInUser(sut, id, CREATE)).rejects.toEqual(refusal('username_taken'));
      await expect(users.getByIssuerSubject(ISSUER, id.subject)).resolves.toBeNull();
    });

    it('refuses with username_invalid when no valid username can be derived', async () => {
      await expect(resolveSignInUser(sut, identity({ preferredUsername: '!!!' }), CREATE)).rejects.toEqual(refusal('username_invalid'));
    });
  });

  describe('MFA (resolveMfaUser): lookup only', () => {
    it('accepts the expected user by (issuer, sub)', async () => {
      const id = identity();
      const linked = await linkedUser(id);
      await expect(resolveMfaUser(sut, id, linked.id)).resolves.toMatchObject({ id: linked.id });
    });

    it('accepts the expected unlinked user by email, without linking it', async () => {
      const id = identity();
      const local = await localUser(id.email!.toUpperCase());
      await expect(resolveMfaUser(sut, id, local.id)).resolves.toMatchObject({ id: local.id });
      await expect(users.getById(local.id)).resolves.toMatchObject({ subject: null, oidc_issuer: null });
    });

    it('refuses another linked user with mfa_identity_mismatch', async () => {
      const expected = await linkedUser(identity());
      const other = identity();
      await linkedUser(other);
      await expect(resolveMfaUser(sut, other, expected.id)).rejects.toEqual(refusal('mfa_identity_mismatch'));
    });

    it('refuses an unknown identity with mfa_identity_mismatch and never creates an account', async () => {
      const expected = await linkedUser(identity());
      const stranger = identity();
      const before = await countUsers();
      await expect(resolveMfaUser(sut, stranger, expected.id)).rejects.toEqual(refusal('mfa_identity_mismatch'));
      expect(await countUsers()).toBe(before);
      await expect(users.getByEmail(stranger.email!)).resolves.toBeNull();
    });

    it('refuses the email of the expected user when that user is linked to another sub of this provider', async () => {
      const owner = identity();
      const expected = await linkedUser(owner);
      await expect(resolveMfaUser(sut, identity({ email: owner.email }), expected.id)).rejects.toEqual(refusal('mfa_identity_mismatch'));
    });

    it('refuses the expected user by an unverified email, and a disabled expected user', async () => {
      const unverified = identity({ emailVerified: false });
      const local = await localUser(unverified.email!);
      await expect(resolveMfaUser(sut, unverified, local.id)).rejects.toEqual(refusal('email_unverified'));
      await expect(users.getById(local.id)).resolves.toMatchObject({ subject: null });
      const disabled = identity();
      const off = await linkedUser(disabled, { is_active: false });
      await expect(resolveMfaUser(sut, disabled, off.id)).rejects.toEqual(refusal('user_disabled'));
    });
  });
});
