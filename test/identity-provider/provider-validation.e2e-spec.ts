import request from 'supertest';
import { freePort } from '../../src/database/embedded-postgres';
import { startTestApp, TestApp } from '../support/app';
import { DiscoveryBehaviour, startDiscoveryServer, DiscoveryServer } from '../support/discovery-server';
import { LogCapture } from '../support/log-capture';
import { AdminApi, oktaKeyPair, oktaProvider } from './fixtures';

const PROVIDER = '/api/v1/openid/provider';
const TIMEOUT_MS = 800;

/**
 * Every mistake an admin can make in okta-user-guide.md's "Configuring Okta as external OIDC"
 * steps (and the other save-time rules) is a 400 whose message says what to fix, and nothing is
 * stored.
 */
describe('provider settings: validation at save time', () => {
  let sut: TestApp;
  let idp: DiscoveryServer;
  let other: DiscoveryServer;
  let api: AdminApi;
  const logs = new LogCapture();
  const keys = oktaKeyPair();
  const oktaSync = (overrides: Record<string, unknown> = {}) =>
    oktaProvider(idp.url, { directory_sync_enabled: true, okta_dirsync_client_id: '0oa9dirsync', okta_private_jwk: JSON.stringify(keys.privateJwk), ...overrides });

  async function refused(body: Record<string, unknown>, behaviour: DiscoveryBehaviour = { mode: 'document' }): Promise<string> {
    idp.answer(behaviour);
    const response = await api.post(PROVIDER, body);
    expect(response.status).toBe(400);
    expect(await sut.db.query('SELECT id FROM identity_providers')).toEqual([]);
    return response.body.msg;
  }

  beforeAll(async () => {
    idp = await startDiscoveryServer();
    other = await startDiscoveryServer();
    sut = await startTestApp({ env: { LOG_LEVEL: 'debug', OUTBOUND_HTTP_TIMEOUT_MS: String(TIMEOUT_MS) }, logs });
    api = new AdminApi(sut);
  });

  afterAll(async () => {
    await sut?.stop();
    await idp?.close();
    await other?.close();
  });

  describe('fields (Defguard AddProviderData)', () => {
    it('names a missing required field', async () => {
      const { create_account: _omitted, ...body } = oktaProvider(idp.url);
      expect(await refused(body)).toBe('create_account is required');
    });

    it('lists every bad field at once, one message each', async () => {
      const { name: _name, ...body } = oktaProvider(idp.url, { directory_sync_interval: 59, kind: 'okta' });
      expect(await refused(body)).toBe(
        'name is required; kind must be one of Custom, Google, Microsoft, Okta, JumpCloud, Zitadel (got "okta"); directory_sync_interval must be at least 60 seconds (got 59)',
      );
    });

    it('refuses an unknown field instead of ignoring it', async () => {
      expect(await refused(oktaProvider(idp.url, { directory_sync_user_groups: 'x' }))).toBe('directory_sync_user_groups: property directory_sync_user_groups should not exist');
    });

    it('refuses an unknown behaviour instead of falling back to keep', async () => {
      expect(await refused(oktaProvider(idp.url, { directory_sync_user_behavior: 'archive' }))).toBe('directory_sync_user_behavior must be one of keep, disable, delete (got "archive")');
      expect(await refused(oktaProvider(idp.url, { directory_sync_admin_behavior: 7 }))).toBe('directory_sync_admin_behavior must be one of keep, disable, delete (got 7)');
    });

    it('refuses an unknown target instead of falling back to all', async () => {
      expect(await refused(oktaProvider(idp.url, { directory_sync_target: 'everything' }))).toBe('directory_sync_target must be one of all, users, groups (got "everything")');
    });

    it('refuses an unknown username handling', async () => {
      expect(await refused(oktaProvider(idp.url, { username_handling: 'remove_forbidden' }))).toBe(
        'username_handling must be one of RemoveForbidden, ReplaceForbidden, PruneEmailDomain (got "remove_forbidden")',
      );
    });

    it('refuses an interval that is not a whole number', async () => {
      expect(await refused(oktaProvider(idp.url, { directory_sync_interval: '600' }))).toBe('directory_sync_interval must be a whole number seconds (got "600")');
    });

    it('refuses a group match that is neither a string nor a list of strings', async () => {
      expect(await refused(oktaProvider(idp.url, { directory_sync_group_match: [1, 2] }))).toBe('directory_sync_group_match must be a comma-separated string or a list of group names');
    });

    it('refuses a malformed JSON body with a 400, not a 500', async () => {
      const response = await request(sut.httpUrl).post(PROVIDER).set('Authorization', sut.adminAuth).set('Content-Type', 'application/json').send('{"name": "Okta",');
      expect(response.status).toBe(400);
    });

    it('refuses an e-mail field that is not an address', async () => {
      expect(await refused(oktaProvider(idp.url, { kind: 'Google', name: 'Google', admin_email: 'admin-at-example.com' }))).toBe('admin_email must be an e-mail address (got "admin-at-example.com")');
    });
  });

  describe('base_url (guide step 3)', () => {
    it('must be an absolute URL', async () => {
      expect(await refused(oktaProvider('dev-123456.okta.com'))).toBe('base_url must be an absolute URL such as https://your-org.okta.com (got "dev-123456.okta.com")');
    });

    it('must be https for a public host', async () => {
      expect(await refused(oktaProvider('http://dev-123456.okta.com'))).toBe('base_url must use https (got "http://dev-123456.okta.com")');
    });

    it('must not carry credentials, a query or a fragment', async () => {
      expect(await refused(oktaProvider(idp.url.replace('http://', 'http://user:pw@')))).toBe('base_url must not contain a user name or password (user:password@): remove them');
      expect(await refused(oktaProvider(`${idp.url}?x=1`))).toMatch(/^base_url must not contain a query/);
      expect(await refused(oktaProvider(`${idp.url}#top`))).toMatch(/^base_url must not contain a fragment/);
    });

    it('is the issuer, not the discovery URL', async () => {
      expect(await refused(oktaProvider(`${idp.url}/.well-known/openid-configuration`))).toBe(`base_url is the issuer, without /.well-known/openid-configuration: use "${idp.url}"`);
    });

    it('is not the Okta -admin domain', async () => {
      expect(await refused(oktaProvider('https://dev-123456-admin.okta.com'))).toBe(
        'base_url "https://dev-123456-admin.okta.com" is the Okta admin console domain: remove "-admin" and use your Okta org URL "https://dev-123456.okta.com"',
      );
    });

    it('is the Okta org URL, not an authorization server, when directory sync is on', async () => {
      expect(await refused(oktaSync({ base_url: `${idp.url}/oauth2/default` }))).toBe(
        `base_url "${idp.url}/oauth2/default" points to an Okta authorization server (/oauth2/default); directory sync needs the Okta org URL "${idp.url}" as base_url`,
      );
    });
  });

  describe('discovery (guide step 3: "the issuer field should be the same as the Base URL")', () => {
    it('refuses a trailing slash the issuer does not have, naming both values', async () => {
      expect(await refused(oktaProvider(`${idp.url}/`))).toBe(
        `The issuer in ${idp.url}/.well-known/openid-configuration is "${idp.url}" but base_url is "${idp.url}/"; they must be identical (OpenID Connect Discovery §4.3): they differ only in the trailing slash: set base_url to "${idp.url}"`,
      );
    });

    it('refuses a different issuer, naming both values', async () => {
      expect(await refused(oktaProvider(idp.url), { mode: 'document', issuer: 'https://dev-123456.okta.com' })).toBe(
        `The issuer in ${idp.url}/.well-known/openid-configuration is "https://dev-123456.okta.com" but base_url is "${idp.url}"; they must be identical (OpenID Connect Discovery §4.3): set base_url to "https://dev-123456.okta.com"`,
      );
    });

    it('refuses a redirect to another origin, naming both URLs', async () => {
      const target = `${other.url}/.well-known/openid-configuration`;
      expect(await refused(oktaProvider(idp.url), { mode: 'redirect', location: target })).toBe(
        `The OpenID configuration could not be fetched: ${idp.url}/.well-known/openid-configuration redirects to another origin (${target}); redirects are only followed within the same origin; base_url must be the issuer itself, not a URL that redirects`,
      );
      expect(other.requests).toEqual([]);
    });

    it('follows a redirect within the same origin', async () => {
      idp.answer({ mode: 'redirect', location: '/moved/.well-known/openid-configuration', issuer: idp.url });
      const served = idp.requests.length;
      expect((await api.post(PROVIDER, oktaProvider(idp.url))).status).toBe(201);
      expect(idp.requests.slice(served)).toEqual(['/.well-known/openid-configuration', '/moved/.well-known/openid-configuration']);
      expect((await api.delete(`${PROVIDER}/Okta`)).status).toBe(200);
    });

    it('stops after a few same-origin redirects', async () => {
      expect(await refused(oktaProvider(idp.url), { mode: 'redirect', location: '/.well-known/openid-configuration', loop: true })).toBe(
        `The OpenID configuration could not be fetched: ${idp.url}/.well-known/openid-configuration redirected more than 3 times; base_url must be the issuer itself, not a URL that redirects`,
      );
    });

    it('refuses a provider that does not answer within the timeout', async () => {
      expect(await refused(oktaProvider(idp.url), { mode: 'slow', delayMs: TIMEOUT_MS * 3 })).toBe(
        `The OpenID configuration could not be fetched: ${idp.url}/.well-known/openid-configuration did not answer within ${TIMEOUT_MS} ms; check base_url: ${idp.url}/.well-known/openid-configuration must serve the provider's OpenID configuration`,
      );
    });

    it('refuses a 404', async () => {
      expect(await refused(oktaProvider(idp.url), { mode: 'status', status: 404 })).toBe(
        `GET ${idp.url}/.well-known/openid-configuration answered HTTP 404; check base_url: ${idp.url}/.well-known/openid-configuration must serve the provider's OpenID configuration`,
      );
    });

    it('refuses a page that is not JSON', async () => {
      expect(await refused(oktaProvider(idp.url), { mode: 'not-json' })).toMatch(/^The OpenID configuration could not be read: .* did not answer a JSON document/);
    });

    it('refuses an oversized document without reading it all', async () => {
      expect(await refused(oktaProvider(idp.url), { mode: 'document', set: { padding: 'x'.repeat(600 * 1024) } })).toMatch(
        /^The OpenID configuration could not be read: .* answered (\d+ bytes, )?more than the 524288 (bytes )?allowed/,
      );
    });

    it('refuses an unreachable provider', async () => {
      const closed = `http://127.0.0.1:${await freePort()}`;
      expect(await refused(oktaProvider(closed))).toBe(
        `The OpenID configuration could not be fetched: ${closed}/.well-known/openid-configuration could not be reached (ECONNREFUSED); check base_url: ${closed}/.well-known/openid-configuration must serve the provider's OpenID configuration`,
      );
    });

    it('refuses a document without the token endpoint or the JWKS', async () => {
      expect(await refused(oktaProvider(idp.url), { mode: 'document', omit: ['token_endpoint', 'jwks_uri'] })).toBe(
        `The OpenID configuration at ${idp.url}/.well-known/openid-configuration has no token_endpoint, jwks_uri; sign-in needs all of authorization_endpoint, token_endpoint and jwks_uri`,
      );
    });

    it('refuses a provider without the authorization code flow', async () => {
      expect(await refused(oktaProvider(idp.url), { mode: 'document', set: { response_types_supported: ['id_token', 'code id_token'] } })).toBe(
        `The OpenID configuration at ${idp.url}/.well-known/openid-configuration does not list "code" in response_types_supported; this service signs in with the authorization code flow`,
      );
    });

    it('accepts the provider once the issuer matches', async () => {
      idp.answer({ mode: 'document' });
      expect((await api.post(PROVIDER, oktaProvider(idp.url))).status).toBe(201);
      await api.delete(`${PROVIDER}/Okta`);
    });
  });

  describe('Okta directory sync (guide step 5)', () => {
    it('needs the directory sync client id and private key', async () => {
      expect(await refused(oktaSync({ okta_dirsync_client_id: '', okta_private_jwk: null }))).toBe(
        'okta_dirsync_client_id is required for Okta directory sync: paste the client ID of the separate Okta "API services" app used for directory sync; ' +
          'okta_private_jwk is required for Okta directory sync: paste the private key in JSON format from that app\'s "Add key" dialog',
      );
    });

    it('refuses the public key', async () => {
      expect(await refused(oktaSync({ okta_private_jwk: JSON.stringify(keys.publicJwk) }))).toBe(
        'okta_private_jwk is a public key (it has no "d"): paste the private key in JSON format from Okta\'s "Add key" dialog, not the public key',
      );
    });

    it('refuses a PEM key', async () => {
      expect(await refused(oktaSync({ okta_private_jwk: keys.pem }))).toMatch(/^okta_private_jwk is a PEM key: paste the private key in JSON format from Okta's "Add key" dialog/);
    });

    it('refuses a JWK without kid', async () => {
      const { kid: _kid, ...withoutKid } = keys.privateJwk;
      expect(await refused(oktaSync({ okta_private_jwk: JSON.stringify(withoutKid) }))).toMatch(/^okta_private_jwk has no "kid"/);
    });

    it('refuses a key that is not JSON', async () => {
      expect(await refused(oktaSync({ okta_private_jwk: 'copied-the-wrong-thing' }))).toBe('okta_private_jwk is not valid JSON: paste the private key in JSON format from Okta\'s "Add key" dialog');
    });

    it('refuses an interval under 60 seconds', async () => {
      expect(await refused(oktaSync({ directory_sync_interval: 30 }))).toBe('directory_sync_interval must be at least 60 seconds (got 30)');
    });

    it('checks the key before calling the provider', async () => {
      const served = idp.requests.length;
      await refused(oktaSync({ okta_private_jwk: JSON.stringify(keys.publicJwk) }));
      expect(idp.requests.length).toBe(served);
    });
  });

  describe('per-kind fields', () => {
    it('refuses directory sync for a Custom provider', async () => {
      expect(await refused(oktaProvider(idp.url, { name: 'Custom', kind: 'Custom', directory_sync_enabled: true }))).toBe(
        'directory sync is not supported for Custom providers (only Google, Microsoft, Okta and JumpCloud): set directory_sync_enabled to false',
      );
    });

    it("refuses another kind's secret", async () => {
      expect(await refused(oktaProvider(idp.url, { name: 'Custom', kind: 'Custom', okta_private_jwk: JSON.stringify(keys.privateJwk) }))).toBe(
        'okta_private_jwk is not used by Custom providers: leave it empty',
      );
    });

    it('needs the JumpCloud API key for JumpCloud directory sync', async () => {
      expect(await refused(oktaProvider(idp.url, { name: 'JumpCloud', kind: 'JumpCloud', directory_sync_enabled: true }))).toBe(
        "jumpcloud_api_key is required for JumpCloud directory sync: paste a JumpCloud API key (a read-only administrator's key is recommended)",
      );
    });

    it('needs the Google service account for Google directory sync', async () => {
      expect(await refused(oktaProvider(idp.url, { name: 'Google', kind: 'Google', directory_sync_enabled: true, admin_email: 'admin@example.com', google_service_account_key: 'not a key' }))).toBe(
        'google_service_account_email is required for Google directory sync: paste the client_email from the service account JSON key file; ' +
          'google_service_account_key is not a PEM private key: paste the "private_key" value of the service account JSON key file (-----BEGIN PRIVATE KEY----- ...)',
      );
    });
  });

  describe('secrets in refused requests', () => {
    it('are neither echoed in the answer nor logged', async () => {
      const rejectedSecrets = [keys.privateJwk.d, keys.privateJwk.p, 'copied-the-wrong-thing', 'okta-client-secret-VALUE-7f3a9c'];
      expect(logs.lines.length).toBeGreaterThan(10);
      expect(logs.text).toContain('"statusCode":400');
      for (const value of rejectedSecrets) {
        expect(logs.text).not.toContain(value);
        for (const body of api.bodies) expect(body).not.toContain(value);
      }
    });
  });
});
