import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { OktaOrg, startOktaOrg } from './okta-org';

describe('an Okta org on one origin (sign-in peer + directory double)', () => {
  let org: OktaOrg;

  beforeAll(async () => {
    org = await startOktaOrg({ signIn: { clients: [{ client_id: 'dashboard', client_secret: 'dashboard-secret-0123456789', redirect_uris: ['http://127.0.0.1:9/auth/callback'] }], accounts: {} } });
    org.directory.seed({ users: 450, groups: 3, membershipsPerUser: 1 });
  }, 30_000);

  afterAll(() => org?.stop());

  it('serves the OpenID discovery document with the org URL as issuer', async () => {
    const discovery = (await (await fetch(`${org.url}/.well-known/openid-configuration`)).json()) as { issuer: string };
    expect(discovery.issuer).toBe(org.url);
  });

  it('serves the Management API on the same origin, with next links on that origin', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid: 'k1' };
    org.directory.registerClient({ clientId: 'sync-app', publicJwk, scopes: ['okta.users.read', 'okta.groups.read'] });
    const tokenUrl = `${org.url}/oauth2/v1/token`;
    const assertion = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer('sync-app').setSubject('sync-app').setAudience(tokenUrl).setIssuedAt().setExpirationTime('5m').setJti(randomUUID()).sign(privateKey);
    const token = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'okta.users.read okta.groups.read', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }),
    });
    expect(token.status).toBe(200);
    const { access_token: accessToken } = (await token.json()) as { access_token: string };
    const page = await fetch(`${org.url}/api/v1/users?limit=200`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(page.status).toBe(200);
    expect((await page.json()) as unknown[]).toHaveLength(200);
    expect(page.headers.get('link')).toContain(`<${org.url}/api/v1/users?`);
  });
});
