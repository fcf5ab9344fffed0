// The Okta directory provider against the Okta org double (test/okta-double): a real HTTP peer on
// loopback with Okta's token endpoint, pagination, filters, rate limits, DPoP and faults. No
// database. Every test builds the provider as the sync engine will: createOktaDirectoryProvider.
import { exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';
import { OktaOrgDouble } from '../okta-double';
import type { OktaDoubleOptions } from '../okta-double';
import { DirectoryFetchError, DirectoryGroup, DirectoryProvider } from '../../src/directory-sync/directory-provider';
import {
  createOktaDirectoryProvider,
  OktaDirectorySettings,
  OktaProviderDeps,
} from '../../src/directory-sync/providers/okta/okta-directory.provider';

jest.setTimeout(60_000);

const SCOPES = ['okta.users.read', 'okta.groups.read'];

interface TestKey {
  kid: string;
  publicJwk: JWK;
  privateJwk: JWK;
}

async function makeKey(alg: 'RS256' | 'ES256' | 'ES384', kid: string): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, publicJwk: { ...(await exportJWK(publicKey)), kid }, privateJwk: { ...(await exportJWK(privateKey)), kid } };
}

let rsa: TestKey;
let ec: TestKey;
let otherRsa: TestKey;

beforeAll(async () => {
  [rsa, ec, otherRsa] = await Promise.all([makeKey('RS256', 'rsa-1'), makeKey('ES256', 'ec-1'), makeKey('RS256', 'rsa-1')]);
});

const doubles: OktaOrgDouble[] = [];
afterEach(async () => {
  await Promise.all(doubles.splice(0).map((d) => d.stop()));
});

async function startDouble(options: OktaDoubleOptions = {}): Promise<OktaOrgDouble> {
  const d = await OktaOrgDouble.start(options);
  doubles.push(d);
  d.registerClient({ clientId: 'sync-app', publicJwk: rsa.publicJwk, scopes: SCOPES });
  return d;
}

const fastRetries: OktaProviderDeps = { tuning: { baseBackoffMs: 20, maxBackoffMs: 200, jitterMs: 20 } };

function provider(double: OktaOrgDouble, overrides: Partial<OktaDirectorySettings> = {}, deps: OktaProviderDeps = fastRetries): DirectoryProvider {
  return createOktaDirectoryProvider(
    { orgUrl: double.url, clientId: 'sync-app', privateJwk: rsa.privateJwk, allowHttpLoopback: true, ...overrides },
    deps,
  );
}

async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) for (const item of page) all.push(item);
  return all;
}

async function allMembers(sut: DirectoryProvider, groups: DirectoryGroup[]): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>();
  // The engine asks for many groups at once; the provider's own limit bounds the requests.
  await Promise.all(
    groups.map(async (g) => {
      result.set(g.id, (await collect(sut.listGroupMembers(g))).map((m) => m.id));
    }),
  );
  return result;
}

function expectedUsers(double: OktaOrgDouble) {
  return double.users.map((u) => ({ id: u.id, email: u.profile.email, status: u.status, active: u.status === 'ACTIVE' }));
}

describe('full listings', () => {
  it('lists 25,000 users, every group and every membership completely with the lower-bound number of calls', async () => {
    const double = await startDouble();
    const seeded = double.seed({ users: 25_000, groups: 60, membershipsPerUser: 2, deprovisionedShare: 0.04, seed: 7 });
    const sut = provider(double);

    const users = await collect(sut.listUsers());
    const groups = await collect(sut.listGroups());
    const members = await allMembers(sut, groups);

    expect(users.map(({ id, email, status, active }) => ({ id, email, status, active })).sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(
      expectedUsers(double),
    );
    expect(groups.map((g) => g.id)).toEqual(double.groups.map((g) => g.id));
    for (const g of double.groups) expect(members.get(g.id)).toEqual(g.members);

    const active = seeded.users - seeded.deprovisioned;
    const memberPages = double.groups.reduce((n, g) => n + Math.max(1, Math.ceil(g.members.length / 1000)), 0);
    const lowerBound = Math.ceil(active / 200) + Math.ceil(seeded.deprovisioned / 200) + 1 + memberPages;
    const stats = double.stats();
    expect(stats.requests.total - stats.tokenRequests).toBe(lowerBound);
    expect(stats.tokenRequests).toBe(1);
    expect(stats.rateLimited429).toBe(0);
    expect(stats.concurrency.max).toBeLessThanOrEqual(4);
    expect(sut.stats()).toEqual({ apiCalls: stats.requests.total, rateLimited: 0, retries: 0 });
  });
});

describe('user status', () => {
  it('lists deprovisioned users (left out of Okta\'s default list) as inactive, not missing', async () => {
    const double = await startDouble();
    const seeded = double.seed({ users: 900, groups: 3, membershipsPerUser: 1, deprovisionedShare: 0.1, seed: 3 });
    const suspended = double.users.find((u) => u.status === 'ACTIVE')!;
    double.updateUser(suspended.id, { status: 'SUSPENDED' });
    const sut = provider(double);

    const users = await collect(sut.listUsers());

    expect(users).toHaveLength(seeded.users);
    const deprovisioned = users.filter((u) => u.status === 'DEPROVISIONED');
    expect(deprovisioned).toHaveLength(seeded.deprovisioned);
    expect(deprovisioned.every((u) => !u.active)).toBe(true);
    expect(users.find((u) => u.id === suspended.id)).toMatchObject({ status: 'SUSPENDED', active: false });
    expect(users.filter((u) => u.active)).toHaveLength(seeded.users - seeded.deprovisioned - 1);
  });

  it('applies a widened status mapping (activeStatuses) and refuses an unknown status', async () => {
    const double = await startDouble();
    double.seed({ users: 50, groups: 1, membershipsPerUser: 0, seed: 4 });
    const locked = double.users[0];
    double.updateUser(locked.id, { status: 'LOCKED_OUT' });

    const widened = await collect(provider(double, { activeStatuses: ['ACTIVE', 'LOCKED_OUT'] }).listUsers());
    expect(widened.find((u) => u.id === locked.id)).toMatchObject({ status: 'LOCKED_OUT', active: true });

    await expect(collect(provider(double, { activeStatuses: ['ACTIVE', 'ENABLED'] }).listUsers())).rejects.toThrow(
      'activeStatuses contains unknown Okta statuses (ENABLED); allowed: STAGED, PROVISIONED, ACTIVE, RECOVERY, LOCKED_OUT, PASSWORD_EXPIRED, SUSPENDED, DEPROVISIONED',
    );
  });
});

describe('user groups', () => {
  it('reads one user\'s groups by the stored Okta id, and by the email when no id is stored', async () => {
    const double = await startDouble();
    double.seed({ users: 30, groups: 6, membershipsPerUser: 2, seed: 5 });
    const user = double.users[7];
    const expected = [...double.groupIdsOfUser(user.id)].sort();
    const sut = provider(double);

    const byId = await sut.getUserGroups({ directoryId: user.id, email: 'someone-else@example.com' });
    const byEmail = await sut.getUserGroups({ directoryId: null, email: user.profile.email });

    expect(byId.map((g) => g.id).sort()).toEqual(expected);
    expect(byEmail.map((g) => g.id).sort()).toEqual(expected);
    expect(double.stats().requests.byRoute.listUserGroups).toBe(2);
  });
});

describe('testConnection and the admin\'s error messages', () => {
  const invalidClient =
    'Okta rejected the client assertion: check that the Directory Sync Client ID matches the API services app and that its public key (kid rsa-1) is registered';

  it('reports success after a token, a page of users and a page of groups', async () => {
    const double = await startDouble();
    double.seed({ users: 5, groups: 2, membershipsPerUser: 1, seed: 1 });
    const result = await provider(double).testConnection();
    expect(result).toEqual({
      success: true,
      message: `Connected to Okta at ${double.url}: an access token was issued to client sync-app and users and groups can be read`,
    });
    const routes = double.stats().requests.byRoute;
    expect(routes).toEqual({ token: 1, listUsers: 1, listGroups: 1 });
  });

  it('works with an EC (ES256) key as well as RSA', async () => {
    const double = await startDouble();
    double.registerClient({ clientId: 'ec-app', publicJwk: ec.publicJwk, scopes: SCOPES });
    const result = await provider(double, { clientId: 'ec-app', privateJwk: JSON.stringify(ec.privateJwk) }).testConnection();
    expect(result.success).toBe(true);
  });

  it('names the client assertion when the key is not the registered one', async () => {
    const double = await startDouble();
    const result = await provider(double, { privateJwk: otherRsa.privateJwk }).testConnection();
    expect(result).toEqual({ success: false, message: invalidClient });
  });

  it('names the client assertion when the client id is wrong', async () => {
    const double = await startDouble();
    const result = await provider(double, { clientId: 'not-the-sync-app' }).testConnection();
    expect(result).toEqual({ success: false, message: invalidClient });
  });

  it('says the key has no kid, without calling Okta', async () => {
    const double = await startDouble();
    const { kid: _kid, ...withoutKid } = rsa.privateJwk;
    void _kid;
    const result = await provider(double, { privateJwk: withoutKid }).testConnection();
    expect(result).toEqual({
      success: false,
      message: 'The Directory Sync Private Key has no "kid" (key id): copy the whole JSON private key from Okta, which includes its kid',
    });
    expect(double.stats().requests.total).toBe(0);
  });

  it('says a public key was pasted instead of the private one', async () => {
    const double = await startDouble();
    const result = await provider(double, { privateJwk: JSON.stringify(rsa.publicJwk) }).testConnection();
    expect(result).toEqual({
      success: false,
      message: 'The Directory Sync Private Key (kid rsa-1) is a public key: paste the private key from Okta (the JSON that contains "d")',
    });
  });

  it('says a PEM key is not the JSON key Okta exports', async () => {
    const double = await startDouble();
    const result = await provider(double, { privateJwk: '-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----' }).testConnection();
    expect(result.message).toBe(
      'The Directory Sync Private Key is not a JSON key: in Okta, generate the key pair and copy the private key in JSON format (not PEM)',
    );
    expect(result.message).not.toContain('MIIE');
  });

  it('names the scopes to grant in the "Okta API Scopes" tab when one is missing', async () => {
    const double = await startDouble();
    double.registerClient({ clientId: 'sync-app', publicJwk: rsa.publicJwk, scopes: ['okta.users.read'] });
    const result = await provider(double).testConnection();
    expect(result).toEqual({
      success: false,
      message:
        'Okta refused the scopes: grant okta.users.read and okta.groups.read to the app in its "Okta API Scopes" tab (Okta: The following scopes are not allowed: okta.groups.read)',
    });
  });

  it('explains 403 E0000006: scopes and the Read-only Administrator role (Defguard issue #3556)', async () => {
    const double = await startDouble();
    // The double grants access by scope only; an app without an admin role gets this answer from
    // Okta on the management API, so the transport stands in for that one response.
    const noAdminRole: OktaProviderDeps['fetch'] = async (url, init) => {
      if (new URL(url).pathname.startsWith('/api/v1/groups')) {
        const body = { errorCode: 'E0000006', errorSummary: 'You do not have permission to perform the requested action', errorLink: 'E0000006', errorId: 'oae1', errorCauses: [] };
        return new Response(JSON.stringify(body), { status: 403, headers: { 'Content-Type': 'application/json', Date: new Date().toUTCString() } });
      }
      return fetch(url, init);
    };
    const result = await provider(double, {}, { ...fastRetries, fetch: noAdminRole }).testConnection();
    expect(result).toEqual({
      success: false,
      message:
        'Okta answered 403 E0000006 (no permission): grant okta.users.read and okta.groups.read in Okta API Scopes and assign the app an admin role (Read-only Administrator)',
    });
  });

  it('names the URL and the network error when the org is unreachable', async () => {
    const double = await startDouble();
    const url = double.url;
    await double.stop();
    const sut = provider(double, { maxRetries: 2 });
    const result = await sut.testConnection();
    expect(result).toEqual({ success: false, message: `Cannot reach the Okta org at ${url}: connection refused (ECONNREFUSED)` });
    expect(sut.stats()).toEqual({ apiCalls: 3, rateLimited: 0, retries: 2 });
  });

  it('refuses an -admin console URL and names the org URL to use', async () => {
    const sut = createOktaDirectoryProvider({ orgUrl: 'https://acme-admin.okta.com', clientId: 'x', privateJwk: rsa.privateJwk });
    expect(await sut.testConnection()).toEqual({
      success: false,
      message: 'The Okta org URL "https://acme-admin.okta.com" is the admin console URL: use the org URL without "-admin" (https://acme.okta.com)',
    });
  });

  it('refuses a custom authorization server URL: the token and the API live on the org URL', async () => {
    const sut = createOktaDirectoryProvider({ orgUrl: 'https://acme.okta.com/oauth2/default', clientId: 'x', privateJwk: rsa.privateJwk });
    const result = await sut.testConnection();
    expect(result.success).toBe(false);
    expect(result.message).toBe(
      'The Okta org URL "https://acme.okta.com/oauth2/default" points to an authorization server (/oauth2/...): directory sync needs the org URL itself (https://acme.okta.com); the token endpoint and the Users and Groups APIs live there',
    );
    await expect(collect(sut.listUsers())).rejects.toBeInstanceOf(DirectoryFetchError);
  });

  it('says DPoP is required by the app when the setting is "never"', async () => {
    const double = await startDouble();
    double.registerClient({ clientId: 'sync-app', publicJwk: rsa.publicJwk, scopes: SCOPES, requireDpop: true });
    const result = await provider(double, { dpop: 'never' }).testConnection();
    expect(result).toEqual({
      success: false,
      message:
        'The Okta app requires DPoP ("Require Demonstrating Proof of Possession (DPoP) header in token requests") but DPoP is set to "never": set DPoP to "auto" or turn the requirement off in the app\'s General settings',
    });
  });

  it('never puts key material or tokens in a message', async () => {
    const double = await startDouble();
    const messages = [
      (await provider(double, { privateJwk: otherRsa.privateJwk }).testConnection()).message,
      (await provider(double, { privateJwk: JSON.stringify(rsa.publicJwk) }).testConnection()).message,
    ];
    for (const m of messages) {
      expect(m).not.toContain(String(otherRsa.privateJwk.d).slice(0, 16));
      expect(m).not.toContain(String(rsa.publicJwk.n).slice(0, 16));
    }
  });
});

describe('DPoP (RFC 9449)', () => {
  it('switches to DPoP when the app requires it (auto), does the nonce dance and signs every API call', async () => {
    const double = await startDouble();
    double.registerClient({ clientId: 'sync-app', publicJwk: rsa.publicJwk, scopes: SCOPES, requireDpop: true });
    double.seed({ users: 700, groups: 4, membershipsPerUser: 1, deprovisionedShare: 0.1, seed: 8 });
    const sut = provider(double);

    const users = await collect(sut.listUsers());
    const groups = await collect(sut.listGroups());
    await allMembers(sut, groups);

    expect(users).toHaveLength(700);
    const stats = double.stats();
    // invalid_dpop_proof (no proof yet) -> use_dpop_nonce -> a DPoP-bound token
    expect(stats.tokenRequests).toBe(3);
    expect(stats.byStatus[400]).toBe(2);
    expect(stats.byStatus[401] ?? 0).toBe(0);
  });

  it('sends a proof from the first request with dpop "always"', async () => {
    const double = await startDouble();
    double.registerClient({ clientId: 'sync-app', publicJwk: rsa.publicJwk, scopes: SCOPES, requireDpop: true });
    double.seed({ users: 10, groups: 1, membershipsPerUser: 1, seed: 8 });
    expect((await provider(double, { dpop: 'always' }).testConnection()).message).toContain('(DPoP-bound)');
    expect(double.stats().tokenRequests).toBe(2); // use_dpop_nonce, then the token
  });

  it('uses plain Bearer tokens when the app does not require DPoP', async () => {
    const double = await startDouble();
    double.seed({ users: 10, groups: 1, membershipsPerUser: 1, seed: 8 });
    const result = await provider(double).testConnection();
    expect(result.success).toBe(true);
    expect(result.message).not.toContain('DPoP');
    expect(double.stats().tokenRequests).toBe(1);
  });

  it('follows a rotated nonce when a new token is needed mid-run', async () => {
    const double = await startDouble();
    double.registerClient({ clientId: 'sync-app', publicJwk: rsa.publicJwk, scopes: SCOPES, requireDpop: true });
    double.seed({ users: 1000, groups: 1, membershipsPerUser: 0, seed: 9 });
    const sut = provider(double);
    let pages = 0;
    let count = 0;
    for await (const page of sut.listUsers()) {
      count += page.length;
      if (++pages === 2) {
        double.rotateDpopNonce();
        double.expireAllTokens();
      }
    }
    expect(count).toBe(1000);
    const stats = double.stats();
    expect(stats.byStatus[401]).toBe(1);
    expect(stats.tokenRequests).toBe(5); // 3 at the start; use_dpop_nonce + token after the expiry
  });
});

describe('tokens', () => {
  it('recovers from tokens expiring mid-run with exactly one refresh', async () => {
    const double = await startDouble();
    double.seed({ users: 2000, groups: 2, membershipsPerUser: 1, seed: 10 });
    const sut = provider(double);
    const ids: string[] = [];
    let pages = 0;
    for await (const page of sut.listUsers()) {
      ids.push(...page.map((u) => u.id));
      if (++pages === 3) double.expireAllTokens();
    }
    expect(ids).toEqual(double.users.map((u) => u.id));
    const stats = double.stats();
    expect(stats.tokenRequests).toBe(2);
    expect(stats.byStatus[401]).toBe(1);
    expect(sut.stats().retries).toBe(1);
  });

  it('reuses one cached token across listings and concurrent member listings', async () => {
    const double = await startDouble();
    double.seed({ users: 300, groups: 12, membershipsPerUser: 2, seed: 11 });
    const sut = provider(double);
    await collect(sut.listUsers());
    await allMembers(sut, await collect(sut.listGroups()));
    expect(double.stats().tokenRequests).toBe(1);
  });
});

describe('rate limits', () => {
  it('stays within half of each bucket (budgetShare 0.5) with no 429 at all, even with low limits', async () => {
    // timeScale 60: a "minute" lasts one second; users 40/min -> at most 20 user pages per second.
    const double = await startDouble({ timeScale: 60, rateLimits: { users: 40, groups: 10, other: 30 } });
    double.seed({ users: 6000, groups: 20, membershipsPerUser: 2, deprovisionedShare: 0.05, seed: 12 });
    const sut = provider(double);
    const started = Date.now();

    const users = await collect(sut.listUsers());
    const groups = await collect(sut.listGroups());
    const members = await allMembers(sut, groups);

    expect(users).toHaveLength(6000);
    for (const g of double.groups) expect(members.get(g.id)).toEqual(g.members);
    expect(double.stats().rateLimited429).toBe(0);
    expect(sut.stats().rateLimited).toBe(0);
    // 31 user pages at 20 per 1 s window: at least one wait for a reset, and not many more.
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThan(900);
    expect(elapsed).toBeLessThan(8000);
  });

  it('finishes a 429 storm with correct data: two integrations each claiming the whole bucket', async () => {
    const double = await startDouble({ timeScale: 60, rateLimits: { users: 24 } });
    double.seed({ users: 4000, groups: 2, membershipsPerUser: 1, seed: 13 });
    const a = provider(double, { budgetShare: 1 });
    const b = provider(double, { budgetShare: 1 });

    const [usersA, usersB] = await Promise.all([collect(a.listUsers()), collect(b.listUsers())]);

    const expected = double.users.map((u) => u.id);
    expect(usersA.map((u) => u.id)).toEqual(expected);
    expect(usersB.map((u) => u.id)).toEqual(expected);
    const storm = double.stats().rateLimited429;
    expect(storm).toBeGreaterThan(0);
    expect(a.stats().rateLimited + b.stats().rateLimited).toBe(storm);
  });

  it.each([
    ['ahead of', 10 * 60_000],
    ['behind', -10 * 60_000],
  ])('waits on Okta\'s clock (the Date header) when the org clock is 10 minutes %s the local one', async (_label, skew) => {
    const double = await startDouble({ timeScale: 60, rateLimits: { users: 30 }, clockSkewMs: skew });
    double.registerClient({ clientId: 'sync-app', publicJwk: rsa.publicJwk, scopes: SCOPES, requireDpop: true });
    // 40 pages against 30 per window: throttling on the wrong clock either hangs (waiting for a
    // reset 10 minutes away) or bursts into 429s (every reset already looks past).
    double.seed({ users: 8000, groups: 1, membershipsPerUser: 0, seed: 14 });
    const sut = provider(double);
    const started = Date.now();

    const users = await collect(sut.listUsers());

    expect(users).toHaveLength(8000);
    expect(double.stats().rateLimited429).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('never has more than memberConcurrency member requests in flight', async () => {
    const double = await startDouble({ latencyMs: 5 });
    double.seed({ users: 400, groups: 40, membershipsPerUser: 3, seed: 15, everyoneGroup: false });
    const sut = provider(double, { memberConcurrency: 3 });
    await allMembers(sut, await collect(sut.listGroups()));
    expect(double.stats().concurrency.max).toBe(3);
  });
});

describe('faults mid-listing: recover by retry, or throw (never a short listing)', () => {
  async function seeded(users = 2000) {
    const double = await startDouble();
    double.seed({ users, groups: 3, membershipsPerUser: 1, seed: 16 });
    return double;
  }

  it('recovers from a burst of 503s on a later page', async () => {
    const double = await seeded();
    double.injectFault({ route: /users\?.*after=/, kind: 'status', status: 503, times: 3 });
    const sut = provider(double);
    const users = await collect(sut.listUsers());
    expect(users.map((u) => u.id)).toEqual(double.users.map((u) => u.id));
    expect(sut.stats().retries).toBe(3);
    expect(double.stats().byStatus[503]).toBe(3);
  });

  it('retries a 500 on /users with a halved limit, then goes back to pages of 200', async () => {
    const double = await seeded();
    double.injectFault({ route: /users\?.*after=/, kind: 'status', status: 500, times: 1 });
    const seen: string[] = [];
    const spy: OktaProviderDeps['fetch'] = (url, init) => {
      seen.push(url);
      return fetch(url, init);
    };
    const users = await collect(provider(double, {}, { ...fastRetries, fetch: spy }).listUsers());
    expect(users).toHaveLength(2000);
    const limits = seen.filter((u) => u.includes('/api/v1/users')).map((u) => new URL(u).searchParams.get('limit'));
    expect(limits.slice(0, 4)).toEqual(['200', '200', '100', '200']);
  });

  it('recovers from malformed JSON, a dropped connection and a timeout', async () => {
    const double = await seeded();
    double.injectFault({ route: /users\?.*after=/, kind: 'malformed-json', times: 1 });
    double.injectFault({ route: /groups/, kind: 'drop-connection', times: 1 });
    double.injectFault({ route: /groups\/.*\/users/, kind: 'timeout', times: 1 });
    const sut = provider(double, { requestTimeoutMs: 300 });
    const users = await collect(sut.listUsers());
    const groups = await collect(sut.listGroups());
    const members = await allMembers(sut, groups);
    expect(users).toHaveLength(2000);
    for (const g of double.groups) expect(members.get(g.id)).toEqual(g.members);
    expect(sut.stats().retries).toBe(3);
  });

  it('throws DirectoryFetchError after maxRetries 5xx answers, after yielding only the pages it had', async () => {
    const double = await seeded();
    double.injectFault({ route: /users\?.*after=/, kind: 'status', status: 502, times: Infinity });
    const sut = provider(double, { maxRetries: 3 });
    let yielded = 0;
    const run = async () => {
      for await (const page of sut.listUsers()) yielded += page.length;
    };
    await expect(run()).rejects.toThrow(new DirectoryFetchError('Okta answered HTTP 502 for GET /api/v1/users 4 times in a row; the listing is incomplete'));
    expect(yielded).toBe(200);
    expect(sut.stats()).toEqual({ apiCalls: 1 + 1 + 4, rateLimited: 0, retries: 3 });
  });

  it('throws DirectoryFetchError when the JSON stays malformed, with the endpoint and status', async () => {
    const double = await seeded();
    double.injectFault({ route: /groups/, kind: 'malformed-json', times: Infinity });
    const sut = provider(double, { maxRetries: 2 });
    const error = await collect(sut.listGroups()).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DirectoryFetchError);
    expect(error).toMatchObject({
      message: 'Okta answered GET /api/v1/groups with malformed JSON; the listing is incomplete',
      details: { endpoint: 'GET /api/v1/groups', status: 200, providerCode: 'bad_response' },
    });
  });

  it('follows every page that has a next link; a page cut short without one reads as the end (an Okta protocol limit)', async () => {
    const double = await seeded(1000);
    // The second page loses half its items and its next link: nothing in Okta's protocol tells
    // this from a real last page, so the listing ends there. What must hold: page 1's next link was
    // followed and every item received was returned. The engine's deletion threshold is the guard.
    double.injectFault({ route: /users\?.*after=/, kind: 'truncate-page', times: 1 });
    const seen: string[] = [];
    const spy: OktaProviderDeps['fetch'] = (url, init) => {
      seen.push(url);
      return fetch(url, init);
    };
    const users = await collect(provider(double, {}, { ...fastRetries, fetch: spy }).listUsers({}));
    const defaultList = seen.filter((u) => u.includes('/api/v1/users') && !u.includes('filter='));
    expect(defaultList).toHaveLength(2); // page 1 (next link followed), page 2 (truncated: no next link)
    expect(users.filter((u) => u.status !== 'DEPROVISIONED')).toHaveLength(200 + 100);
  });
});

describe('incremental listings', () => {
  it('returns only the users and groups that changed since the given instant', async () => {
    const double = await startDouble();
    double.seed({ users: 3000, groups: 30, membershipsPerUser: 2, deprovisionedShare: 0.02, seed: 17 });
    const since = new Date(double.now());
    const [u1, u2, u3] = [double.users[10], double.users[500], double.users[2500]];
    double.updateUser(u1.id, { profile: { firstName: 'Renamed' } });
    double.deactivateUser(u2.id);
    double.updateUser(u3.id, { status: 'SUSPENDED' });
    const [g1, g2] = [double.groups[3], double.groups[7]];
    double.updateGroup(g1.id, { profile: { name: 'renamed-group' } });
    const outsider = double.users.find((u) => !g2.members.includes(u.id))!;
    double.addMember(g2.id, outsider.id);
    const sut = provider(double);

    const users = await collect(sut.listUsers({ updatedSince: since }));
    const groups = await collect(sut.listGroups({ updatedSince: since, membershipUpdatedSince: since }));

    expect(users.map((u) => u.id).sort()).toEqual([u1.id, u2.id, u3.id].sort());
    expect(users.find((u) => u.id === u1.id)).toMatchObject({ firstName: 'Renamed', active: true });
    expect(users.find((u) => u.id === u2.id)).toMatchObject({ status: 'DEPROVISIONED', active: false });
    expect(groups.map((g) => g.id).sort()).toEqual([g1.id, g2.id].sort());
    expect(double.stats().requests.byRoute).toEqual({ token: 1, listUsers: 1, listGroups: 1 });
  });
});
