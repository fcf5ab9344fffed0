// The Okta org double behaves as Okta documents: token endpoint checks, DPoP, pagination,
// filters, rate limits, clock skew, faults, and the official Okta Node SDK reading it unchanged.
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { accessTokenHash, OktaOrgDouble } from './index';

// ---- test helpers ------------------------------------------------------------------------------

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
  text: string;
  json: () => any;
}

/** node:http rather than fetch, so repeated header lines stay visible in rawHeaders. */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          text,
          json: () => JSON.parse(text),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.timeoutMs) req.setTimeout(options.timeoutMs, () => req.destroy(new Error('client timeout')));
    req.end(options.body);
  });
}

/** The values of one header as separate lines. */
function headerLines(res: RawResponse, name: string): string[] {
  const lines: string[] = [];
  for (let i = 0; i < res.rawHeaders.length; i += 2) {
    if (res.rawHeaders[i].toLowerCase() === name.toLowerCase()) lines.push(res.rawHeaders[i + 1]);
  }
  return lines;
}

function nextLink(res: RawResponse): string | null {
  const next = headerLines(res, 'link').find((l) => l.endsWith('rel="next"'));
  return next ? next.slice(1, next.indexOf('>')) : null;
}

interface TestKey {
  alg: 'RS256' | 'ES256';
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  privateJwk: JWK;
}

async function makeKey(alg: 'RS256' | 'ES256', kid: string): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg };
  return { alg, kid, privateKey, publicJwk, privateJwk };
}

interface AssertionOverrides {
  key?: TestKey;
  kid?: string;
  iss?: string;
  sub?: string;
  aud?: string;
  jti?: string;
  expiresInSeconds?: number;
}

function clientAssertion(double: OktaOrgDouble, clientId: string, key: TestKey, o: AssertionOverrides = {}): Promise<string> {
  const signer = o.key ?? key;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: o.jti ?? randomUUID() })
    .setProtectedHeader({ alg: signer.alg, kid: o.kid ?? key.kid })
    .setIssuer(o.iss ?? clientId)
    .setSubject(o.sub ?? clientId)
    .setAudience(o.aud ?? double.tokenUrl)
    .setIssuedAt(now)
    .setExpirationTime(now + (o.expiresInSeconds ?? 300))
    .sign(signer.privateKey);
}

function tokenRequest(double: OktaOrgDouble, assertion: string, scope: string, dpop?: string): Promise<RawResponse> {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    scope,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  }).toString();
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };
  if (dpop) headers.DPoP = dpop;
  return send(double.tokenUrl, { method: 'POST', headers, body });
}

function dpopProof(
  key: TestKey,
  claims: { htm: string; htu: string; nonce?: string; ath?: string; jti?: string; iat?: number },
): Promise<string> {
  return new SignJWT({ htm: claims.htm, htu: claims.htu, jti: claims.jti ?? randomUUID(), nonce: claims.nonce, ath: claims.ath })
    .setProtectedHeader({ alg: key.alg, typ: 'dpop+jwt', jwk: key.publicJwk })
    .setIssuedAt(claims.iat ?? Math.floor(Date.now() / 1000))
    .sign(key.privateKey);
}

const ALL_SCOPES = 'okta.users.read okta.groups.read';

// ---- fixtures ----------------------------------------------------------------------------------

let rsaKey: TestKey;
let ecKey: TestKey;
let otherRsaKey: TestKey;

beforeAll(async () => {
  [rsaKey, ecKey, otherRsaKey] = await Promise.all([
    makeKey('RS256', 'rsa-key-1'),
    makeKey('ES256', 'ec-key-1'),
    makeKey('RS256', 'rsa-key-1'), // same kid, different key pair
  ]);
});

/** A double with one RS256 and one ES256 service app. */
async function startDouble(options: Parameters<typeof OktaOrgDouble.start>[0] = {}): Promise<OktaOrgDouble> {
  const sut = await OktaOrgDouble.start(options);
  sut.registerClient({ clientId: 'rsa-app', publicJwk: rsaKey.publicJwk, scopes: ['okta.users.read', 'okta.groups.read'] });
  sut.registerClient({ clientId: 'ec-app', publicJwk: ecKey.publicJwk, scopes: ['okta.users.read'] });
  return sut;
}

async function bearerToken(sut: OktaOrgDouble, scope = ALL_SCOPES): Promise<string> {
  const res = await tokenRequest(sut, await clientAssertion(sut, 'rsa-app', rsaKey), scope);
  expect(res.status).toBe(200);
  return res.json().access_token;
}

function apiGet(sut: OktaOrgDouble, pathOrUrl: string, token: string, extra: Record<string, string> = {}): Promise<RawResponse> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${sut.url}${pathOrUrl}`;
  return send(url, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...extra } });
}

// ---- token endpoint ----------------------------------------------------------------------------

describe('token endpoint (client_credentials + private_key_jwt)', () => {
  let sut: OktaOrgDouble;
  beforeEach(async () => {
    sut = await startDouble();
  });
  afterEach(() => sut.stop());

  it('issues a Bearer token for a good RS256 assertion', async () => {
    const res = await tokenRequest(sut, await clientAssertion(sut, 'rsa-app', rsaKey), ALL_SCOPES);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({
      token_type: 'Bearer',
      expires_in: 3600,
      access_token: expect.any(String),
      scope: 'okta.users.read okta.groups.read',
    });
  });

  it('issues a Bearer token for a good ES256 assertion', async () => {
    const res = await tokenRequest(sut, await clientAssertion(sut, 'ec-app', ecKey), 'okta.users.read');
    expect(res.status).toBe(200);
    expect(res.json().token_type).toBe('Bearer');
  });

  it('tolerates a DPoP header from an app that does not require DPoP (the official SDK always sends one)', async () => {
    const proof = await dpopProof(rsaKey, { htm: 'POST', htu: sut.tokenUrl });
    const res = await tokenRequest(sut, await clientAssertion(sut, 'rsa-app', rsaKey), ALL_SCOPES, proof);
    expect(res.status).toBe(200);
    expect(res.json().token_type).toBe('Bearer');
  });

  const rejections: Array<[string, (sut: OktaOrgDouble) => Promise<string>, RegExp]> = [
    ['signed with another key', (d) => clientAssertion(d, 'rsa-app', rsaKey, { key: otherRsaKey }), /signature is invalid/],
    ['whose kid is not the registered key', (d) => clientAssertion(d, 'rsa-app', rsaKey, { kid: 'rsa-key-2' }), /'kid'/],
    ['whose aud is not the token URL', (d) => clientAssertion(d, 'rsa-app', rsaKey, { aud: `${d.url}/oauth2/default/v1/token` }), /audience/],
    ['whose iss differs from sub', (d) => clientAssertion(d, 'rsa-app', rsaKey, { iss: 'someone-else' }), /'iss' and 'sub'/],
    ['whose exp is more than one hour ahead', (d) => clientAssertion(d, 'rsa-app', rsaKey, { expiresInSeconds: 3601 }), /expiration too far into the future/],
    ['that has already expired', (d) => clientAssertion(d, 'rsa-app', rsaKey, { expiresInSeconds: -120 }), /expired/],
    ['from an unknown client', (d) => clientAssertion(d, 'nobody', rsaKey), /Client authentication failed/],
  ];
  it.each(rejections)('rejects an assertion %s with 401 invalid_client', async (_name, build, description) => {
    const res = await tokenRequest(sut, await build(sut), ALL_SCOPES);
    expect(res.status).toBe(401);
    expect(res.json()).toEqual({ error: 'invalid_client', error_description: expect.stringMatching(description) });
  });

  it('rejects a reused jti', async () => {
    const assertion = await clientAssertion(sut, 'rsa-app', rsaKey, { jti: 'only-once' });
    expect((await tokenRequest(sut, assertion, ALL_SCOPES)).status).toBe(200);
    const replay = await tokenRequest(sut, assertion, ALL_SCOPES);
    expect(replay.status).toBe(401);
    expect(replay.json()).toEqual({ error: 'invalid_client', error_description: expect.stringMatching(/already been used/) });
  });

  it('rejects a scope the app was not granted with 400 invalid_scope', async () => {
    const res = await tokenRequest(sut, await clientAssertion(sut, 'ec-app', ecKey), 'okta.users.read okta.groups.read');
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: 'invalid_scope', error_description: 'The following scopes are not allowed: okta.groups.read' });
  });

  it('rejects a wrong client_assertion_type and a wrong grant_type', async () => {
    const assertion = await clientAssertion(sut, 'rsa-app', rsaKey);
    const badType = await send(sut.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: ALL_SCOPES, client_assertion_type: 'x', client_assertion: assertion }).toString(),
    });
    expect(badType.status).toBe(401);
    expect(badType.json().error).toBe('invalid_client');
    const badGrant = await send(sut.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password',
    });
    expect(badGrant.status).toBe(400);
    expect(badGrant.json().error).toBe('unsupported_grant_type');
  });
});

// ---- DPoP --------------------------------------------------------------------------------------

describe('DPoP (RFC 9449, Okta flow)', () => {
  let sut: OktaOrgDouble;
  beforeEach(async () => {
    sut = await startDouble();
    sut.registerClient({ clientId: 'dpop-app', publicJwk: rsaKey.publicJwk, scopes: ['okta.users.read'], requireDpop: true });
  });
  afterEach(() => sut.stop());

  const assertion = () => clientAssertion(sut, 'dpop-app', rsaKey);

  /** The nonce dance: proof without nonce -> use_dpop_nonce + DPoP-Nonce -> proof with it. */
  async function dpopToken(key: TestKey = ecKey): Promise<string> {
    const first = await tokenRequest(sut, await assertion(), 'okta.users.read', await dpopProof(key, { htm: 'POST', htu: sut.tokenUrl }));
    const nonce = first.headers['dpop-nonce'] as string;
    const second = await tokenRequest(sut, await assertion(), 'okta.users.read', await dpopProof(key, { htm: 'POST', htu: sut.tokenUrl, nonce }));
    expect(second.status).toBe(200);
    expect(second.json().token_type).toBe('DPoP');
    return second.json().access_token;
  }

  it('rejects a token request without a DPoP header', async () => {
    const res = await tokenRequest(sut, await assertion(), 'okta.users.read');
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: 'invalid_dpop_proof', error_description: 'The DPoP proof JWT header is missing.' });
  });

  it('asks for a nonce, then issues a DPoP token for a proof carrying it', async () => {
    const first = await tokenRequest(sut, await assertion(), 'okta.users.read', await dpopProof(ecKey, { htm: 'POST', htu: sut.tokenUrl }));
    expect(first.status).toBe(400);
    expect(first.json()).toEqual({ error: 'use_dpop_nonce', error_description: 'Authorization server requires nonce in DPoP proof.' });
    expect(first.headers['dpop-nonce']).toEqual(expect.any(String));
    await dpopToken();
  });

  it('asks again once the nonce was rotated', async () => {
    const first = await tokenRequest(sut, await assertion(), 'okta.users.read', await dpopProof(ecKey, { htm: 'POST', htu: sut.tokenUrl }));
    const stale = first.headers['dpop-nonce'] as string;
    sut.rotateDpopNonce();
    const res = await tokenRequest(sut, await assertion(), 'okta.users.read', await dpopProof(ecKey, { htm: 'POST', htu: sut.tokenUrl, nonce: stale }));
    expect(res.status).toBe(400);
    expect(res.json().error).toBe('use_dpop_nonce');
    expect(res.headers['dpop-nonce']).not.toBe(stale);
  });

  it('rejects a token-endpoint proof with the wrong htu or a replayed jti', async () => {
    const nonce = (await tokenRequest(sut, await assertion(), 'okta.users.read', await dpopProof(ecKey, { htm: 'POST', htu: sut.tokenUrl }))).headers['dpop-nonce'] as string;
    const wrongHtu = await tokenRequest(sut, await assertion(), 'okta.users.read', await dpopProof(ecKey, { htm: 'POST', htu: `${sut.url}/oauth2/v1/other`, nonce }));
    expect(wrongHtu.status).toBe(400);
    expect(wrongHtu.json().error).toBe('invalid_dpop_proof');
    const proof = await dpopProof(ecKey, { htm: 'POST', htu: sut.tokenUrl, nonce, jti: 'same' });
    expect((await tokenRequest(sut, await assertion(), 'okta.users.read', proof)).status).toBe(200);
    const replay = await tokenRequest(sut, await assertion(), 'okta.users.read', proof);
    expect(replay.status).toBe(400);
    expect(replay.json().error_description).toMatch(/'jti' has already been used/);
  });

  it('accepts an API call with Authorization: DPoP and a proof whose ath hashes the token (htu without query)', async () => {
    sut.addUser({ profile: { login: 'a@example.com', email: 'a@example.com' } });
    const token = await dpopToken();
    const proof = await dpopProof(ecKey, { htm: 'GET', htu: `${sut.url}/api/v1/users`, ath: accessTokenHash(token) });
    const res = await send(`${sut.url}/api/v1/users?limit=5`, { headers: { Authorization: `DPoP ${token}`, DPoP: proof } });
    expect(res.status).toBe(200);
    expect(res.json()).toHaveLength(1);
  });

  it('rejects an API call whose proof has the wrong ath, is signed by another key, or uses the Bearer scheme', async () => {
    const token = await dpopToken();
    const htu = `${sut.url}/api/v1/users`;
    const wrongAth = await send(htu, {
      headers: { Authorization: `DPoP ${token}`, DPoP: await dpopProof(ecKey, { htm: 'GET', htu, ath: accessTokenHash('other') }) },
    });
    expect(wrongAth.status).toBe(401);
    expect(wrongAth.json()).toMatchObject({ errorCode: 'E0000011', errorSummary: 'Invalid token provided' });
    expect(wrongAth.headers['www-authenticate']).toMatch(/invalid_dpop_proof.*'ath'/);

    const otherKey = await send(htu, {
      headers: { Authorization: `DPoP ${token}`, DPoP: await dpopProof(rsaKey, { htm: 'GET', htu, ath: accessTokenHash(token) }) },
    });
    expect(otherKey.status).toBe(401);
    expect(otherKey.headers['www-authenticate']).toMatch(/cnf\.jkt/);

    const asBearer = await send(htu, { headers: { Authorization: `Bearer ${token}` } });
    expect(asBearer.status).toBe(401);
    expect(asBearer.json().errorCode).toBe('E0000011');
  });
});

// ---- management API ----------------------------------------------------------------------------

describe('management API', () => {
  let sut: OktaOrgDouble;
  let token: string;
  beforeAll(async () => {
    sut = await startDouble();
    sut.seed({ users: 450, groups: 12, membershipsPerUser: 3, everyoneGroup: true, deprovisionedShare: 0.1, seed: 7 });
    token = await bearerToken(sut);
  });
  afterAll(() => sut.stop());

  it('answers 401 E0000011 without a token and with an unknown one', async () => {
    const none = await send(`${sut.url}/api/v1/users`);
    expect(none.status).toBe(401);
    expect(none.json()).toMatchObject({ errorCode: 'E0000011', errorSummary: 'Invalid token provided', errorCauses: [] });
    const garbage = await apiGet(sut, '/api/v1/users', 'not-a-token');
    expect(garbage.status).toBe(401);
  });

  it('answers 403 E0000006 to a token without the scope', async () => {
    const usersOnly = await bearerToken(sut, 'okta.users.read');
    const res = await apiGet(sut, '/api/v1/groups', usersOnly);
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ errorCode: 'E0000006', errorSummary: 'You do not have permission to perform the requested action' });
  });

  it('pages 450 users at limit 200 in three pages linked by rel="next" (two Link lines, absolute URLs)', async () => {
    const all = await startDouble();
    try {
      all.seed({ users: 450, groups: 2, membershipsPerUser: 1, seed: 3 });
      const t = await bearerToken(all);
      const sizes: number[] = [];
      const ids: string[] = [];
      let url: string | null = `${all.url}/api/v1/users?limit=200`;
      while (url) {
        const res = await apiGet(all, url, t);
        expect(res.status).toBe(200);
        const links = headerLines(res, 'link');
        expect(links[0]).toBe(`<${url}>; rel="self"`);
        sizes.push(res.json().length);
        ids.push(...res.json().map((u: { id: string }) => u.id));
        url = nextLink(res);
        if (url) {
          expect(links).toHaveLength(2);
          expect(url).toMatch(new RegExp(`^${all.url}/api/v1/users\\?after=00u[A-Za-z0-9]{17}&limit=200$`));
        } else {
          expect(links).toHaveLength(1);
        }
      }
      expect(sizes).toEqual([200, 200, 50]);
      expect(new Set(ids).size).toBe(450);
      expect(ids).toEqual(all.users.map((u) => u.id));
    } finally {
      await all.stop();
    }
  });

  it('caps limit at 200 for users', async () => {
    const res = await apiGet(sut, '/api/v1/users?limit=1000', token);
    expect(res.json()).toHaveLength(200);
    expect(nextLink(res)).toMatch(/limit=200$/);
  });

  it('leaves DEPROVISIONED users out of the default list and returns them with filter=status eq "DEPROVISIONED"', async () => {
    const deprovisioned = sut.users.filter((u) => u.status === 'DEPROVISIONED').map((u) => u.id);
    expect(deprovisioned.length).toBeGreaterThan(10);
    const listed = await listAll(sut, token, '/api/v1/users?limit=200');
    expect(listed.some((u) => deprovisioned.includes(u.id))).toBe(false);
    expect(listed).toHaveLength(450 - deprovisioned.length);
    const filtered = await listAll(sut, token, `/api/v1/users?filter=${encodeURIComponent('status eq "DEPROVISIONED"')}`);
    expect(filtered.map((u) => u.id)).toEqual(deprovisioned);
    expect(filtered.every((u) => u.status === 'DEPROVISIONED')).toBe(true);
  });

  it('filters on lastUpdated gt/lt, combined with and/or, and keeps the filter in the next link', async () => {
    const sorted = sut.users.map((u) => u.lastUpdated).sort((a, b) => a - b);
    const cut = new Date(sorted[300]).toISOString();
    const expected = sut.users.filter((u) => u.lastUpdated > sorted[300]).map((u) => u.id);
    const res = await listAll(sut, token, `/api/v1/users?limit=50&filter=${encodeURIComponent(`lastUpdated gt "${cut}"`)}`);
    expect(res.map((u) => u.id)).toEqual(expected);

    const low = new Date(sorted[100]).toISOString();
    const both = `lastUpdated gt "${low}" and lastUpdated lt "${cut}" and (status eq "ACTIVE" or status eq "SUSPENDED")`;
    const between = await listAll(sut, token, `/api/v1/users?filter=${encodeURIComponent(both)}`);
    expect(between.map((u) => u.id)).toEqual(
      sut.users.filter((u) => u.lastUpdated > sorted[100] && u.lastUpdated < sorted[300] && u.status === 'ACTIVE').map((u) => u.id),
    );

    const first = await apiGet(sut, `/api/v1/users?limit=10&filter=${encodeURIComponent(`lastUpdated gt "${cut}"`)}`, token);
    expect(nextLink(first)).toContain(`filter=${encodeURIComponent(`lastUpdated gt "${cut}"`)}`);
  });

  it('sees a user updated after a high-water mark through lastUpdated gt', async () => {
    const mark = new Date(sut.now()).toISOString();
    await new Promise((r) => setTimeout(r, 5));
    const target = sut.users[17];
    sut.updateUser(target.id, { profile: { firstName: 'Renamed' } });
    const changed = await listAll(sut, token, `/api/v1/users?filter=${encodeURIComponent(`lastUpdated gt "${mark}"`)}`);
    expect(changed.map((u) => u.id)).toEqual([target.id]);
    expect(changed[0].profile.firstName).toBe('Renamed');
  });

  it('answers 400 E0000031 to a filter it cannot parse', async () => {
    for (const bad of ['status eq ACTIVE', 'lastUpdated gt "yesterday"', 'foo eq "x"', 'status sw "A"', '(status eq "ACTIVE"']) {
      const res = await apiGet(sut, `/api/v1/users?filter=${encodeURIComponent(bad)}`, token);
      expect(res.status).toBe(400);
      expect(res.json()).toMatchObject({ errorCode: 'E0000031', errorSummary: 'Invalid search criteria.' });
    }
  });

  it('lists groups (filter on type), group members with their own cursor, and a user\'s groups', async () => {
    const groups = await listAll(sut, token, '/api/v1/groups');
    expect(groups.map((g) => g.id)).toEqual(sut.groups.map((g) => g.id));
    expect(groups[0]).toMatchObject({ objectClass: ['okta:user_group'], profile: { name: expect.any(String) } });
    const builtIn = (await apiGet(sut, `/api/v1/groups?filter=${encodeURIComponent('type eq "BUILT_IN"')}`, token)).json();
    expect(builtIn.map((g: any) => g.profile.name)).toEqual(['Everyone']);

    const everyone = builtIn[0].id;
    const members = await listAll(sut, token, `/api/v1/groups/${everyone}/users?limit=100`);
    expect(members).toHaveLength(450); // members of every status
    const user = sut.users[5];
    const ofUser = (await apiGet(sut, `/api/v1/users/${user.id}/groups`, token)).json();
    expect(ofUser.map((g: any) => g.id)).toEqual(sut.groupIdsOfUser(user.id));
  });

  it('gets a user by id or login, and answers 404 E0000007 for an unknown one', async () => {
    const u = sut.users[3];
    expect((await apiGet(sut, `/api/v1/users/${u.id}`, token)).json().id).toBe(u.id);
    expect((await apiGet(sut, `/api/v1/users/${encodeURIComponent(u.profile.login.toUpperCase())}`, token)).json().id).toBe(u.id);
    const missing = await apiGet(sut, '/api/v1/users/00uNOPE', token);
    expect(missing.status).toBe(404);
    expect(missing.json().errorCode).toBe('E0000007');
  });

  it('answers 404 E0000022 to an unknown route', async () => {
    const res = await apiGet(sut, '/api/v1/nothing-here', token);
    expect(res.status).toBe(404);
    expect(res.json().errorCode).toBe('E0000022');
  });

  it('bumps a group\'s lastMembershipUpdated on addMember/removeMember', async () => {
    const g = sut.groups.find((x) => x.type === 'OKTA_GROUP')!;
    const before = g.lastMembershipUpdated;
    const outsider = sut.users.find((u) => !g.members.includes(u.id))!;
    expect(sut.addMember(g.id, outsider.id)).toBe(true);
    expect(g.lastMembershipUpdated).toBeGreaterThan(before);
    const mark = new Date(g.lastMembershipUpdated - 1).toISOString();
    const res = await apiGet(sut, `/api/v1/groups?filter=${encodeURIComponent(`lastMembershipUpdated gt "${mark}"`)}`, token);
    expect(res.json().map((x: any) => x.id)).toEqual([g.id]);
    expect(sut.removeMember(g.id, outsider.id)).toBe(true);
  });
});

/** Follows rel="next" to the end. */
async function listAll(sut: OktaOrgDouble, token: string, path: string): Promise<any[]> {
  const items: any[] = [];
  let url: string | null = `${sut.url}${path}`;
  while (url) {
    const res = await apiGet(sut, url, token);
    expect(res.status).toBe(200);
    items.push(...res.json());
    url = nextLink(res);
  }
  return items;
}

// ---- rate limits, clock, latency ---------------------------------------------------------------

describe('rate limits and clock', () => {
  it('reports X-Rate-Limit-* on every response, counts down, then answers 429 E0000047', async () => {
    const sut = await startDouble({ rateLimits: { users: 3 } });
    try {
      const token = await bearerToken(sut);
      const remaining: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await apiGet(sut, '/api/v1/users', token);
        expect(res.status).toBe(200);
        expect(res.headers['x-rate-limit-limit']).toBe('3');
        remaining.push(res.headers['x-rate-limit-remaining'] as string);
      }
      expect(remaining).toEqual(['2', '1', '0']);
      const over = await apiGet(sut, '/api/v1/users', token);
      expect(over.status).toBe(429);
      expect(over.json()).toMatchObject({ errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.' });
      const reset = Number(over.headers['x-rate-limit-reset']);
      expect(reset).toBeGreaterThan(Date.now() / 1000 - 1);
      expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60);
      // Other buckets are counted separately.
      expect((await apiGet(sut, '/api/v1/groups', token)).status).toBe(200);
      expect(sut.stats().rateLimited429).toBe(1);
    } finally {
      await sut.stop();
    }
  });

  it('starts a new window after a scaled minute (timeScale)', async () => {
    const sut = await startDouble({ rateLimits: { users: 1 }, timeScale: 60 });
    try {
      const token = await bearerToken(sut);
      let limited: RawResponse | null = null;
      for (let i = 0; i < 3 && !limited; i++) {
        const res = await apiGet(sut, '/api/v1/users', token);
        if (res.status === 429) limited = res;
      }
      expect(limited).not.toBeNull();
      const waitMs = Number(limited!.headers['x-rate-limit-reset']) * 1000 - Date.parse(limited!.headers.date as string) + 1000;
      expect(waitMs).toBeLessThanOrEqual(2000);
      await new Promise((r) => setTimeout(r, waitMs));
      expect((await apiGet(sut, '/api/v1/users', token)).status).toBe(200);
    } finally {
      await sut.stop();
    }
  });

  it('reflects clockSkewMs in the Date header and the reset time', async () => {
    const skew = -600_000;
    const sut = await startDouble({ clockSkewMs: skew });
    try {
      const res = await send(`${sut.url}/api/v1/users`);
      const date = Date.parse(res.headers.date as string);
      expect(Math.abs(date - (Date.now() + skew))).toBeLessThan(2000);
      const reset = Number(res.headers['x-rate-limit-reset']) * 1000;
      expect(reset - date).toBeGreaterThan(0);
      expect(reset - date).toBeLessThanOrEqual(61_000);
    } finally {
      await sut.stop();
    }
  });

  it('applies latencyMs and records the most requests in flight', async () => {
    const sut = await startDouble({ latencyMs: 150 });
    try {
      const started = Date.now();
      await Promise.all([1, 2, 3, 4].map(() => send(`${sut.url}/api/v1/users`)));
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(sut.stats().concurrency).toEqual({ inFlight: 0, max: 4 });
      sut.resetStats();
      expect(sut.stats().requests.total).toBe(0);
    } finally {
      await sut.stop();
    }
  });

  it('answers 401 after expireAllTokens', async () => {
    const sut = await startDouble();
    try {
      const token = await bearerToken(sut);
      expect((await apiGet(sut, '/api/v1/users', token)).status).toBe(200);
      sut.expireAllTokens();
      const res = await apiGet(sut, '/api/v1/users', token);
      expect(res.status).toBe(401);
      expect(res.json().errorCode).toBe('E0000011');
    } finally {
      await sut.stop();
    }
  });

  it('lets a token expire after tokenTtlSeconds', async () => {
    const sut = await startDouble({ tokenTtlSeconds: 1 });
    try {
      const res = await tokenRequest(sut, await clientAssertion(sut, 'rsa-app', rsaKey), ALL_SCOPES);
      expect(res.json().expires_in).toBe(1);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await apiGet(sut, '/api/v1/users', res.json().access_token)).status).toBe(401);
    } finally {
      await sut.stop();
    }
  });
});

// ---- faults ------------------------------------------------------------------------------------

describe('fault injection', () => {
  let sut: OktaOrgDouble;
  let token: string;
  beforeAll(async () => {
    sut = await startDouble();
    sut.seed({ users: 30, groups: 3, membershipsPerUser: 1, seed: 11 });
    token = await bearerToken(sut);
  });
  afterAll(() => sut.stop());
  afterEach(() => sut.clearFaults());

  it('status: answers the given 5xx the given number of times, then recovers', async () => {
    sut.injectFault({ route: '/api/v1/users', kind: 'status', status: 503, times: 2 });
    expect((await apiGet(sut, '/api/v1/groups', token)).status).toBe(200); // another route is untouched
    const first = await apiGet(sut, '/api/v1/users', token);
    expect(first.status).toBe(503);
    expect(first.json().errorCode).toBe('E0000009');
    expect((await apiGet(sut, '/api/v1/users', token)).status).toBe(503);
    expect((await apiGet(sut, '/api/v1/users', token)).status).toBe(200);
  });

  it('timeout: never answers', async () => {
    sut.injectFault({ route: /^GET \/api\/v1\/users/, kind: 'timeout' });
    await expect(apiGetWithTimeout(sut, '/api/v1/users', token, 300)).rejects.toThrow('client timeout');
    expect((await apiGet(sut, '/api/v1/users', token)).status).toBe(200);
  });

  it('malformed-json: 200 with a body that is not JSON', async () => {
    sut.injectFault({ route: '/api/v1/users', kind: 'malformed-json' });
    const res = await apiGet(sut, '/api/v1/users', token);
    expect(res.status).toBe(200);
    expect(() => res.json()).toThrow();
  });

  it('truncate-page: fewer items than the page and no next link, as if the list ended', async () => {
    sut.injectFault({ route: '/api/v1/users', kind: 'truncate-page' });
    const res = await apiGet(sut, '/api/v1/users?limit=10', token);
    expect(res.status).toBe(200);
    expect(res.json().length).toBeLessThan(10);
    expect(nextLink(res)).toBeNull();
    const normal = await apiGet(sut, '/api/v1/users?limit=10', token);
    expect(normal.json()).toHaveLength(10);
    expect(nextLink(normal)).not.toBeNull();
  });

  it('drop-connection: the socket closes without a response', async () => {
    sut.injectFault({ route: '/api/v1/groups', kind: 'drop-connection' });
    await expect(apiGet(sut, '/api/v1/groups', token)).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect((await apiGet(sut, '/api/v1/groups', token)).status).toBe(200);
    expect(sut.stats().faultsInjected).toBeGreaterThanOrEqual(1);
  });
});

function apiGetWithTimeout(sut: OktaOrgDouble, path: string, token: string, timeoutMs: number): Promise<RawResponse> {
  return send(`${sut.url}${path}`, { headers: { Authorization: `Bearer ${token}` }, timeoutMs });
}

// ---- faithfulness: the official Okta Node SDK ----------------------------------------------------

describe('the official @okta/okta-sdk-nodejs client against the double', () => {
  const savedEnv = { ...process.env };
  let home: string;
  let sut: OktaOrgDouble;

  beforeAll(async () => {
    // The SDK reads ~/.okta/okta.yaml and OKTA_* variables (ecosystem.md §6): isolate both.
    home = mkdtempSync(join(tmpdir(), 'okta-sdk-home-'));
    process.env.HOME = home;
    for (const k of Object.keys(process.env)) if (k.startsWith('OKTA_')) delete process.env[k];
    sut = await startDouble();
    sut.seed({ users: 450, groups: 25, membershipsPerUser: 4, everyoneGroup: true, deprovisionedShare: 0.05, seed: 21, groupSizes: 'uniform' });
  });
  afterAll(async () => {
    await sut.stop();
    process.env = savedEnv;
    rmSync(home, { recursive: true, force: true });
  });

  it('lists every user, every group and one group\'s members exactly as seeded', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const okta = require('@okta/okta-sdk-nodejs');
    const client = new okta.Client({
      orgUrl: sut.url,
      authorizationMode: 'PrivateKey',
      clientId: 'rsa-app',
      scopes: ['okta.users.read', 'okta.groups.read'],
      privateKey: JSON.stringify(rsaKey.privateJwk),
      keyId: rsaKey.kid,
      cacheMiddleware: null,
    });

    const users: any[] = [];
    for await (const u of await client.userApi.listUsers({ limit: 200 })) users.push(u);
    const visible = sut.users.filter((u) => u.status !== 'DEPROVISIONED');
    expect(users.map((u) => u.id)).toEqual(visible.map((u) => u.id));
    expect(users[0].profile.login).toBe(visible[0].profile.login);
    expect(users[0].lastUpdated).toEqual(new Date(visible[0].lastUpdated));

    const deprovisioned: any[] = [];
    for await (const u of await client.userApi.listUsers({ filter: 'status eq "DEPROVISIONED"', limit: 200 })) deprovisioned.push(u);
    expect(deprovisioned.map((u) => u.id)).toEqual(sut.users.filter((u) => u.status === 'DEPROVISIONED').map((u) => u.id));

    const groups: any[] = [];
    for await (const g of await client.groupApi.listGroups({ limit: 10 })) groups.push(g);
    expect(groups.map((g) => g.id)).toEqual(sut.groups.map((g) => g.id));

    const group = sut.groups.find((g) => g.type === 'OKTA_GROUP')!;
    const members: any[] = [];
    for await (const m of await client.groupApi.listGroupUsers({ groupId: group.id, limit: 20 })) members.push(m);
    expect(members.map((m) => m.id)).toEqual(group.members);

    const stats = sut.stats();
    expect(stats.tokenRequests).toBe(1);
    expect(stats.byStatus[401] ?? 0).toBe(0);
  });

  it('completes the DPoP nonce dance and sends acceptable proofs when the app requires DPoP', async () => {
    sut.registerClient({ clientId: 'sdk-dpop-app', publicJwk: rsaKey.publicJwk, scopes: ['okta.users.read'], requireDpop: true });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const okta = require('@okta/okta-sdk-nodejs');
    const client = new okta.Client({
      orgUrl: sut.url,
      authorizationMode: 'PrivateKey',
      clientId: 'sdk-dpop-app',
      scopes: ['okta.users.read'],
      privateKey: JSON.stringify(rsaKey.privateJwk),
      keyId: rsaKey.kid,
      cacheMiddleware: null,
    });
    sut.resetStats();
    const users: any[] = [];
    for await (const u of await client.userApi.listUsers({ limit: 200 })) users.push(u);
    expect(users).toHaveLength(sut.users.filter((u) => u.status !== 'DEPROVISIONED').length);
    const stats = sut.stats();
    expect(stats.tokenRequests).toBe(2); // use_dpop_nonce, then the DPoP token
    expect(stats.byStatus[400]).toBe(1);
    expect(stats.byStatus[401] ?? 0).toBe(0);
  });
});
