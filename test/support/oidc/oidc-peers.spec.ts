// Tests of the OpenID Provider peers themselves: the real oidc-provider child process with its
// headless browser, and the hostile provider whose every tampered ID token must fail a strict
// verification for the reason it was built to attack.
import { createHash, randomBytes } from 'node:crypto';
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  exportSPKI,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWTPayload,
} from 'jose';
import {
  HOSTILE_MODES,
  HostileOidcProvider,
  type HostileMode,
  type HostileSigningAlg,
} from './hostile-oidc-provider';
import { browserLogin, browserLoginError, startOidcProvider, type OidcProviderPeer } from './oidc-provider-peer';

const REDIRECT_URI = 'http://127.0.0.1:9/auth/callback'; // never requested: browserLogin stops before it

interface Pkce {
  verifier: string;
  challenge: string;
}

function newPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function random(): string {
  return randomBytes(16).toString('base64url');
}

interface AuthRequest {
  url: URL;
  state: string;
  nonce: string;
  pkce: Pkce;
}

function authorizationRequest(
  authorizationEndpoint: string,
  clientId: string,
  options: { pkce?: boolean; scope?: string } = {},
): AuthRequest {
  const { pkce: withPkce = true, scope = 'openid email profile' } = options;
  const state = random();
  const nonce = random();
  const pkce = newPkce();
  const url = new URL(authorizationEndpoint);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope,
    state,
    nonce,
    ...(withPkce ? { code_challenge: pkce.challenge, code_challenge_method: 'S256' } : {}),
  }).toString();
  return { url, state, nonce, pkce };
}

interface TokenResponse {
  status: number;
  body: { id_token?: string; access_token?: string; error?: string; [k: string]: unknown };
}

interface TestClient {
  id: string;
  secret: string;
  auth: 'basic' | 'post';
}

async function exchangeCode(
  tokenEndpoint: string,
  client: TestClient,
  code: string,
  verifier: string,
): Promise<TokenResponse> {
  const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (client.auth === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;
  } else {
    form.set('client_id', client.id);
    form.set('client_secret', client.secret);
  }
  const res = await fetch(tokenEndpoint, { method: 'POST', headers, body: form });
  return { status: res.status, body: (await res.json()) as TokenResponse['body'] };
}

async function userinfo(endpoint: string, accessToken: string): Promise<Record<string, unknown>> {
  const res = await fetch(endpoint, { headers: { authorization: `Bearer ${accessToken}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** Why a strict verification refused a token: the one check that failed. */
type Refusal = 'signature' | 'alg' | 'kid' | 'iss' | 'aud' | 'azp' | 'nonce' | 'exp' | 'nbf' | 'iat' | 'other';

class IdTokenRefused extends Error {
  constructor(readonly reason: Refusal, cause: unknown) {
    super(`ID token refused (${reason}): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** What the service must do: jose signature + claims with an allow-list, then azp and nonce. */
async function strictVerify(
  idToken: string,
  expected: { issuer: string; clientId: string; nonce: string; jwks: ReturnType<typeof createRemoteJWKSet> },
): Promise<JWTPayload> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, expected.jwks, {
      algorithms: ['RS256', 'ES256'],
      issuer: expected.issuer,
      audience: expected.clientId,
      clockTolerance: 60,
      maxTokenAge: '1h', // makes jose check iat (present, not in the future beyond the tolerance)
      requiredClaims: ['sub', 'iat', 'exp'],
    }));
  } catch (err) {
    throw new IdTokenRefused(refusalOf(err), err);
  }
  // OIDC Core 3.1.3.7 items 4-5: several audiences need an azp, and it must be us.
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== expected.clientId) {
    throw new IdTokenRefused('azp', 'several audiences and azp is not the client_id');
  }
  if (payload.azp !== undefined && payload.azp !== expected.clientId) throw new IdTokenRefused('azp', 'azp mismatch');
  // OIDC Core 3.1.3.7 item 11.
  if (payload.nonce !== expected.nonce) throw new IdTokenRefused('nonce', 'nonce mismatch');
  return payload;
}

function refusalOf(err: unknown): Refusal {
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'alg';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'kid';
  if (err instanceof joseErrors.JWTExpired) return 'exp';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    return (['iss', 'aud', 'nbf', 'iat', 'exp'] as const).find((c) => c === err.claim) ?? 'other';
  }
  return 'other';
}

// ---------------------------------------------------------------------------------------------

describe('oidc-provider peer (real OP in a child process)', () => {
  const accounts = {
    alice: {
      email: 'Alice@Example.test',
      email_verified: true,
      given_name: 'Alice',
      family_name: 'Liddell',
      preferred_username: 'alice',
      phone_number: '+48 600 000 001',
    },
    bob: { email: 'bob@example.test', email_verified: true, preferred_username: 'bob' }, // no names
    carol: { given_name: 'Carol', family_name: 'Danvers' }, // no email
  };
  const basicClient: TestClient = { id: 'svc-basic', secret: 'svc-basic-secret-0123456789', auth: 'basic' };
  const postClient: TestClient = { id: 'svc-post', secret: 'svc-post-secret-0123456789', auth: 'post' };
  let sut: OidcProviderPeer;
  let userinfoOnly: OidcProviderPeer;

  beforeAll(async () => {
    const clients = [
      { client_id: basicClient.id, client_secret: basicClient.secret, redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'client_secret_basic' as const },
      { client_id: postClient.id, client_secret: postClient.secret, redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'client_secret_post' as const },
    ];
    [sut, userinfoOnly] = await Promise.all([
      startOidcProvider({ clients, accounts }),
      startOidcProvider({ clients, accounts, claimsInIdToken: false }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([sut?.stop(), userinfoOnly?.stop()]);
  });

  async function signIn(op: OidcProviderPeer, login: string, client = basicClient) {
    const request = authorizationRequest(`${op.issuer}/auth`, client.id);
    const redirect = await browserLogin(request.url, { login });
    const code = redirect.searchParams.get('code');
    if (!code) throw new Error(`no code in ${redirect}; OP stderr: ${op.stderr()}`);
    const token = await exchangeCode(`${op.issuer}/token`, client, code, request.pkce.verifier);
    expect(token.status).toBe(200);
    const jwks = createRemoteJWKSet(new URL(`${op.issuer}/jwks`));
    const claims = await strictVerify(token.body.id_token!, { issuer: op.issuer, clientId: client.id, nonce: request.nonce, jwks });
    return { request, redirect, token, claims };
  }

  it('serves discovery with the issuer it printed, S256 only', async () => {
    const res = await fetch(`${sut.issuer}/.well-known/openid-configuration`);
    const discovery = (await res.json()) as Record<string, unknown>;

    expect(res.status).toBe(200);
    expect(discovery.issuer).toBe(sut.issuer);
    expect(discovery.jwks_uri).toBe(`${sut.issuer}/jwks`);
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('browserLogin runs the devInteractions to a redirect with code, state and iss', async () => {
    const request = authorizationRequest(`${sut.issuer}/auth`, basicClient.id);

    const redirect = await browserLogin(request.url, { login: 'alice' });

    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
    expect(redirect.searchParams.get('code')).toEqual(expect.any(String));
    expect(redirect.searchParams.get('state')).toBe(request.state);
    expect(redirect.searchParams.get('iss')).toBe(sut.issuer);
  });

  it('exchanges the code (client_secret_basic + PKCE) for an ID token carrying the account claims', async () => {
    const { claims, request } = await signIn(sut, 'alice');

    expect(claims).toMatchObject({
      iss: sut.issuer,
      aud: basicClient.id,
      sub: 'alice',
      nonce: request.nonce,
      email: 'Alice@Example.test',
      email_verified: true,
      given_name: 'Alice',
      family_name: 'Liddell',
      preferred_username: 'alice',
    });
  });

  it('accepts client_secret_post for a client registered with it', async () => {
    const { claims } = await signIn(sut, 'alice', postClient);

    expect(claims).toMatchObject({ sub: 'alice', aud: postClient.id });
  });

  it('leaves out what an account lacks: names for bob, email for carol', async () => {
    const bob = await signIn(sut, 'bob');
    const carol = await signIn(sut, 'carol');

    expect(bob.claims).toMatchObject({ sub: 'bob', email: 'bob@example.test' });
    expect(bob.claims).not.toHaveProperty('given_name');
    expect(carol.claims).toMatchObject({ sub: 'carol', given_name: 'Carol' });
    expect(carol.claims).not.toHaveProperty('email');
  });

  it('with claimsInIdToken false puts only sub and email in the ID token, names only in userinfo', async () => {
    const { claims, token } = await signIn(userinfoOnly, 'alice');
    const fromUserinfo = await userinfo(`${userinfoOnly.issuer}/me`, token.body.access_token!);

    expect(claims).toMatchObject({ sub: 'alice', email: 'Alice@Example.test', email_verified: true });
    expect(claims).not.toHaveProperty('given_name');
    expect(claims).not.toHaveProperty('family_name');
    expect(claims).not.toHaveProperty('preferred_username');
    expect(fromUserinfo).toMatchObject({ sub: 'alice', given_name: 'Alice', family_name: 'Liddell', preferred_username: 'alice' });
  });

  it('refuses an authorization request without PKCE', async () => {
    const request = authorizationRequest(`${sut.issuer}/auth`, basicClient.id, { pkce: false });

    const redirect = await browserLogin(request.url, { login: 'alice' });

    expect(redirect.searchParams.get('error')).toBe('invalid_request');
    expect(redirect.searchParams.get('error_description')).toMatch(/PKCE/);
    expect(redirect.searchParams.has('code')).toBe(false);
  });

  it('refuses a code exchanged with the wrong code_verifier', async () => {
    const request = authorizationRequest(`${sut.issuer}/auth`, basicClient.id);
    const redirect = await browserLogin(request.url, { login: 'alice' });

    const token = await exchangeCode(`${sut.issuer}/token`, basicClient, redirect.searchParams.get('code')!, newPkce().verifier);

    expect(token).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('browserLoginError aborts the interaction: error=access_denied with the state', async () => {
    const request = authorizationRequest(`${sut.issuer}/auth`, basicClient.id);

    const redirect = await browserLoginError(request.url, 'access_denied');

    expect(redirect.searchParams.get('error')).toBe('access_denied');
    expect(redirect.searchParams.get('state')).toBe(request.state);
    expect(redirect.searchParams.has('code')).toBe(false);
  });

  it('browserLogin with consent false denies at the consent prompt', async () => {
    const request = authorizationRequest(`${sut.issuer}/auth`, basicClient.id);

    const redirect = await browserLogin(request.url, { login: 'alice', consent: false });

    expect(redirect.searchParams.get('error')).toBe('access_denied');
  });

  it('setAccountClaims changes what the next token carries', async () => {
    await sut.setAccountClaims('dave', { email: 'dave@example.test', email_verified: false });

    const { claims } = await signIn(sut, 'dave');

    expect(claims).toMatchObject({ sub: 'dave', email: 'dave@example.test', email_verified: false });
  });

  it('rotateKeys publishes a new kid and signs new ID tokens with it', async () => {
    const before = (await (await fetch(`${sut.issuer}/jwks`)).json()) as { keys: { kid: string }[] };

    const rotated = await sut.rotateKeys();
    const after = (await (await fetch(`${sut.issuer}/jwks`)).json()) as { keys: { kid: string }[] };
    const { token } = await signIn(sut, 'alice');

    expect(rotated.previousKid).toBe(before.keys[0].kid);
    expect(after.keys.map((k) => k.kid)).toEqual([rotated.kid]);
    expect(rotated.kid).not.toBe(rotated.previousKid);
    expect(decodeProtectedHeader(token.body.id_token!).kid).toBe(rotated.kid);
  });

  it('with signingAlg ES256 signs ID tokens with ES256, and a rotation mid-login loses no session or code', async () => {
    const es = await startOidcProvider({
      clients: [{ client_id: basicClient.id, client_secret: basicClient.secret, redirect_uris: [REDIRECT_URI] }],
      accounts,
      signingAlg: 'ES256',
    });
    try {
      let rotation: Promise<unknown> | undefined;
      const rotatingFetch: typeof fetch = async (input, init) => {
        if (init?.method === 'POST' && !rotation) rotation = es.rotateKeys({ keepPrevious: true });
        await rotation;
        return fetch(input, init);
      };
      const request = authorizationRequest(`${es.issuer}/auth`, basicClient.id);

      const redirect = await browserLogin(request.url, { login: 'alice', fetchImpl: rotatingFetch });
      const token = await exchangeCode(`${es.issuer}/token`, basicClient, redirect.searchParams.get('code')!, request.pkce.verifier);
      const jwksKids = ((await (await fetch(`${es.issuer}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

      expect(token.status).toBe(200);
      expect(decodeProtectedHeader(token.body.id_token!)).toMatchObject({ alg: 'ES256', kid: jwksKids[0] });
      expect(jwksKids).toHaveLength(2);
    } finally {
      await es.stop();
    }
  });

  it('startOidcProvider fails fast with the child stderr when the config is unusable', async () => {
    const broken = startOidcProvider({ clients: [{ client_id: 'x', client_secret: 's', redirect_uris: ['not a url'] }], accounts: {} });
    broken.then((peer) => peer.stop(), () => undefined); // never leak a child if it did start

    await expect(broken).rejects.toThrow(/op-server\.mjs exited before it was ready[\s\S]*redirect_uris/);
  });
});

// ---------------------------------------------------------------------------------------------

describe.each<HostileSigningAlg>(['RS256', 'ES256'])('hostile OP (%s)', (alg) => {
  const clientId = 'hostile-client';
  const clientSecret = 'hostile-secret-0123456789';
  const client: TestClient = { id: clientId, secret: clientSecret, auth: 'basic' };
  let sut: HostileOidcProvider;
  let jwks: ReturnType<typeof createRemoteJWKSet>;

  beforeAll(async () => {
    sut = await HostileOidcProvider.start({ clientId, clientSecret, alg });
  });

  beforeEach(() => {
    sut.setMode('valid');
    // cooldownDuration 0: jose may refetch on an unknown kid at once (the service must allow this too).
    jwks = createRemoteJWKSet(new URL(`${sut.issuer}/jwks`), { cooldownDuration: 0 });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  async function codeFlow(mode: HostileMode) {
    sut.setMode(mode);
    const request = authorizationRequest(`${sut.issuer}/authorize`, clientId);
    const res = await fetch(request.url, { redirect: 'manual' });
    const redirect = new URL(res.headers.get('location')!);
    expect(redirect.searchParams.get('state')).toBe(request.state);
    const token = await exchangeCode(`${sut.issuer}/token`, client, redirect.searchParams.get('code')!, request.pkce.verifier);
    return { request, token };
  }

  async function verifiedFlow(mode: HostileMode) {
    const { request, token } = await codeFlow(mode);
    expect(token.status).toBe(200);
    const claims = await strictVerify(token.body.id_token!, { issuer: sut.issuer, clientId, nonce: request.nonce, jwks });
    return { request, token, claims };
  }

  it('serves discovery for a code flow with S256', async () => {
    const discovery = (await (await fetch(`${sut.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;

    expect(discovery).toMatchObject({
      issuer: sut.issuer,
      jwks_uri: `${sut.issuer}/jwks`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      id_token_signing_alg_values_supported: [alg],
    });
  });

  it("'valid' gives a token that verifies against the JWKS with the right iss, aud and nonce", async () => {
    const { claims, request } = await verifiedFlow('valid');

    expect(claims).toMatchObject({ iss: sut.issuer, aud: clientId, nonce: request.nonce, sub: 'hostile-user-1' });
    expect(sut.lastAuthorizeParams).toMatchObject({
      state: request.state,
      nonce: request.nonce,
      code_challenge: request.pkce.challenge,
      code_challenge_method: 'S256',
      redirect_uri: REDIRECT_URI,
    });
    expect(sut.lastTokenRequest?.clientAuthMethod).toBe('client_secret_basic');
  });

  const expectedRefusal: Partial<Record<HostileMode, Refusal>> = {
    'tampered-payload': 'signature',
    'wrong-key': 'signature',
    'alg-none': 'alg',
    'hs256-with-public-key': 'alg',
    'wrong-issuer': 'iss',
    'wrong-audience': 'aud',
    'multiple-audiences-no-azp': 'azp',
    'wrong-nonce': 'nonce',
    expired: 'exp',
    'not-yet-valid': 'nbf',
    'iat-in-future': 'iat',
  };
  const rejectedModes = (Object.keys(HOSTILE_MODES) as HostileMode[]).filter((m) => HOSTILE_MODES[m].expect === 'reject-id-token');

  it('has an expected refusal for every reject-id-token mode', () => {
    expect(rejectedModes.sort()).toEqual(Object.keys(expectedRefusal).sort());
  });

  it.each(rejectedModes)("'%s' is refused by a strict verification, for the check it attacks", async (mode) => {
    const { request, token } = await codeFlow(mode);

    const verification = strictVerify(token.body.id_token!, { issuer: sut.issuer, clientId, nonce: request.nonce, jwks });

    await expect(verification).rejects.toBeInstanceOf(IdTokenRefused);
    await expect(verification).rejects.toMatchObject({ reason: expectedRefusal[mode] });
  });

  it("'hs256-with-public-key' would fool a verifier that trusts the header's alg (the attack is real)", async () => {
    const { token } = await codeFlow('hs256-with-public-key');
    const publicKey = await importJWK(sut.jwks.keys[0], alg);
    const secret = new TextEncoder().encode(await exportSPKI(publicKey as CryptoKey));

    await expect(jwtVerify(token.body.id_token!, secret)).resolves.toMatchObject({ protectedHeader: { alg: 'HS256' } });
  });

  it("'multiple-audiences-with-azp' is accepted", async () => {
    const { claims } = await verifiedFlow('multiple-audiences-with-azp');

    expect(claims).toMatchObject({ aud: [clientId, 'another-client'], azp: clientId });
  });

  it("'unknown-kid-after-rotation' is accepted after exactly one JWKS refetch", async () => {
    await verifiedFlow('valid'); // the verifier now holds the current JWKS
    const fetchesBefore = sut.jwksFetchCount;
    const kidBefore = sut.currentKid;

    const { token } = await verifiedFlow('unknown-kid-after-rotation');

    expect(decodeProtectedHeader(token.body.id_token!).kid).toBe(sut.currentKid);
    expect(sut.currentKid).not.toBe(kidBefore);
    expect(sut.jwksFetchCount).toBe(fetchesBefore + 1);
    expect(sut.jwks.keys.map((k) => k.kid)).toEqual([sut.currentKid]);
  });

  it("'missing-email' verifies but carries no email, nor does userinfo", async () => {
    const { claims, token } = await verifiedFlow('missing-email');
    const info = await userinfo(`${sut.issuer}/userinfo`, token.body.access_token!);

    expect(claims).not.toHaveProperty('email');
    expect(claims).not.toHaveProperty('email_verified');
    expect(info).not.toHaveProperty('email');
  });

  it("'email-unverified' verifies with email_verified false", async () => {
    const { claims } = await verifiedFlow('email-unverified');

    expect(claims).toMatchObject({ email: 'Hostile.User@example.test', email_verified: false });
  });

  it("'userinfo-sub-mismatch' has no names in the ID token and a different sub in userinfo", async () => {
    const { claims, token } = await verifiedFlow('userinfo-sub-mismatch');
    const info = await userinfo(`${sut.issuer}/userinfo`, token.body.access_token!);

    expect(claims).not.toHaveProperty('given_name');
    expect(info.sub).not.toBe(claims.sub);
    expect(info).toMatchObject({ given_name: 'Hostile', family_name: 'User' });
  });

  it("'no-id-token' answers 200 with an access token and no id_token", async () => {
    const { token } = await codeFlow('no-id-token');

    expect(token.status).toBe(200);
    expect(token.body.access_token).toEqual(expect.any(String));
    expect(token.body).not.toHaveProperty('id_token');
  });

  it("'token-error' answers 400 invalid_grant", async () => {
    const { token } = await codeFlow('token-error');

    expect(token).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('setClaims changes the next token', async () => {
    sut.setClaims({ given_name: 'Renamed', phone_number: '+48 600 000 002' });
    try {
      const { claims } = await verifiedFlow('valid');
      expect(claims).toMatchObject({ given_name: 'Renamed', phone_number: '+48 600 000 002' });
    } finally {
      sut.setClaims({ given_name: 'Hostile', phone_number: undefined });
    }
  });

  it('redirects an authorization request without PKCE back with invalid_request and records it', async () => {
    const request = authorizationRequest(`${sut.issuer}/authorize`, clientId, { pkce: false });

    const res = await fetch(request.url, { redirect: 'manual' });
    const redirect = new URL(res.headers.get('location')!);

    expect(res.status).toBe(302);
    expect(redirect.searchParams.get('error')).toBe('invalid_request');
    expect(redirect.searchParams.has('code')).toBe(false);
    expect(sut.lastAuthorizeParams).toMatchObject({ state: request.state });
    expect(sut.lastAuthorizeParams).not.toHaveProperty('code_challenge');
  });

  it('refuses a wrong code_verifier, a replayed code and a wrong client secret', async () => {
    const request = authorizationRequest(`${sut.issuer}/authorize`, clientId);
    const code = new URL((await fetch(request.url, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
    const second = authorizationRequest(`${sut.issuer}/authorize`, clientId);
    const code2 = new URL((await fetch(second.url, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;

    const wrongVerifier = await exchangeCode(`${sut.issuer}/token`, client, code, newPkce().verifier);
    const replayed = await exchangeCode(`${sut.issuer}/token`, client, code, request.pkce.verifier);
    const wrongSecret = await exchangeCode(`${sut.issuer}/token`, { ...client, secret: 'nope', auth: 'post' }, code2, second.pkce.verifier);

    expect(wrongVerifier).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(replayed).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(wrongSecret).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('mintIdToken gives the same tokens without HTTP', async () => {
    const token = await sut.mintIdToken('wrong-issuer', 'n-1');

    expect(decodeJwt(token)).toMatchObject({ iss: `${sut.issuer}/evil`, nonce: 'n-1' });
  });
});
