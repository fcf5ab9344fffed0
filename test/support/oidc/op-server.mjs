// A real OpenID Provider (panva's oidc-provider 9) for the sign-in tests, run as a child process
// because oidc-provider is ESM-only. Started by oidc-provider-peer.ts; not imported by Jest.
//
// Input:  OP_CONFIG, a JSON object (see OpServerConfig in oidc-provider-peer.ts):
//   { clients: [{ client_id, client_secret, redirect_uris, token_endpoint_auth_method? }],
//     accounts: { [sub]: { email?, email_verified?, given_name?, family_name?, preferred_username?, phone_number? } },
//     claimsInIdToken?: boolean   (default true)  false: the ID token carries sub (+ email) only, userinfo the rest
//     emailInIdToken?: boolean    (default true)  with claimsInIdToken false: keep email/email_verified in the ID token
//     signingAlg?: 'RS256' | 'ES256' (default 'RS256')
//     quiet?: boolean             (default true)  drop oidc-provider's dev warnings and notices
//     apiProxy?: { target, prefixes } requests whose path starts with a prefix go to target (e.g. the
//                                 Okta org double), so SSO and the Management API share one origin as in a real Okta org
//     recordTokenTimings?: boolean (default false) time each token request from the OP's side (bench/scenarios/login.js) }
// Output: one JSON line on stdout when ready: {"issuer": "...", "adminUrl": "..."}; everything else goes to stderr.
// Admin (separate loopback port, no auth: test-only):
//   POST   /__admin/rotate-keys   body {"keepPrevious"?: boolean} -> {"kid", "previousKid", "jwksKids"}
//   PUT    /__admin/accounts/:sub body {claims}                    -> 204 (creates or replaces the account)
//   DELETE /__admin/accounts/:sub                                   -> 204
//   POST   /__admin/token-timings  (recordTokenTimings) -> {"<code>": ms, ...} since the last call, then cleared:
//          ms from the request's arrival (headers parsed) to the response's last byte handed to the socket
// SIGTERM (or SIGINT) closes both servers and exits 0.
import http from 'node:http';
import { randomUUID } from 'node:crypto';

const config = JSON.parse(process.env.OP_CONFIG ?? '{}');
const quiet = config.quiet !== false;

// oidc-provider prints NOTICEs with console.info (stdout) and WARNINGs with console.warn. stdout is
// our ready-line channel, so every console.info goes to stderr; in quiet mode the provider's own
// lines are dropped. This must run before oidc-provider is loaded (hence the dynamic import below).
const isProviderChatter = (args) => typeof args[0] === 'string' && args[0].startsWith('oidc-provider ');
const originalWarn = console.warn.bind(console);
console.info = (...args) => { if (!(quiet && isProviderChatter(args))) console.error(...args); };
console.log = console.info;
console.warn = (...args) => { if (!(quiet && isProviderChatter(args))) originalWarn(...args); };

const { default: Provider } = await import('oidc-provider');
// oidc-provider's dev in-memory adapter, but ONE store shared by every Provider we build (each
// Provider otherwise gets its own): key rotation swaps the Provider and must keep sessions,
// interactions, codes and grants. Internal module of the pinned 9.13.3 (no exports map).
const { createMemoryAdapter } = await import('oidc-provider/lib/adapters/memory_adapter.js');
const sharedAdapter = createMemoryAdapter(0);
const { generateKeyPair, exportJWK } = await import('jose');

const signingAlg = config.signingAlg ?? 'RS256';
const claimsInIdToken = config.claimsInIdToken !== false;
const emailInIdToken = config.emailInIdToken !== false;
const accounts = new Map(Object.entries(config.accounts ?? {}));

async function newSigningJwk() {
  const { privateKey } = await generateKeyPair(signingAlg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: `op-${randomUUID()}`, alg: signingAlg, use: 'sig' };
}

// First key signs (oidc-provider picks the first matching key); the rest are only published.
let jwks = [await newSigningJwk()];

const emailClaims = ['email', 'email_verified'];
// Scope -> claims. With conformIdTokenClaims (claimsInIdToken false) oidc-provider puts only the
// `openid` scope's claims in an ID token issued alongside an access token for userinfo
// (lib/helpers/grant_common.js issueIdToken), so the openid scope decides what the ID token keeps.
const claims = {
  openid: ['sub', ...(!claimsInIdToken && emailInIdToken ? emailClaims : [])],
  email: emailClaims,
  profile: ['given_name', 'family_name', 'name', 'preferred_username'],
  phone: ['phone_number', 'phone_number_verified'],
};

const clients = (config.clients ?? []).map((client) => ({
  grant_types: ['authorization_code'],
  response_types: ['code'],
  ...client,
  ...(signingAlg !== 'RS256' ? { id_token_signed_response_alg: signingAlg } : {}),
}));

const opServer = http.createServer();
await new Promise((resolve) => opServer.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${opServer.address().port}`;

function buildProvider() {
  const provider = new Provider(issuer, {
    clients,
    adapter: sharedAdapter,
    jwks: { keys: jwks },
    claims,
    conformIdTokenClaims: !claimsInIdToken,
    scopes: ['openid', 'email', 'profile', 'phone'],
    findAccount: async (_ctx, sub) => {
      const accountClaims = accounts.get(sub);
      if (!accountClaims) return undefined;
      return { accountId: sub, claims: async () => ({ ...accounts.get(sub), sub }) };
    },
    // The service must always send PKCE (S256 is the only method oidc-provider 9 supports).
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true }, userinfo: { enabled: true } },
    cookies: { keys: ['op-server-test-only-cookie-key'] },
    // Explicit TTLs (the defaults print notices); short enough for tests, long enough for a slow CI.
    ttl: {
      AccessToken: 600, AuthorizationCode: 120, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600,
    },
    renderError: async (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  });
  provider.on('server_error', (_ctx, err) => console.error('op-server server_error:', err));
  // Tags a token request with its code once oidc-provider has parsed the body (for the timings).
  if (config.recordTokenTimings) {
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.path === '/token' && typeof ctx.oidc?.params?.code === 'string') ctx.req.tokenCode = ctx.oidc.params.code;
    });
  }
  return provider;
}

// Key rotation builds a fresh Provider on the same issuer and the same adapter store (above).
let provider = buildProvider();
// oidc-provider validates static clients lazily; load them now so a bad config fails the start
// (with the reason on stderr) instead of the first authorization request.
for (const { client_id: clientId } of clients) await provider.Client.find(clientId);
// A real Okta org serves sign-in and its Management API on one origin: forward the API paths.
function forwardToApi(req, res) {
  const target = new URL(req.url, config.apiProxy.target);
  const upstream = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', (error) => {
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'proxy_error', error_description: String(error) }));
  });
  req.pipe(upstream);
}
const isApiPath = (url) => (config.apiProxy?.prefixes ?? []).some((prefix) => url.startsWith(prefix));
/** code -> ms the OP spent answering its token request (recordTokenTimings). */
let tokenTimings = {};
function timeTokenRequest(req, res) {
  const started = process.hrtime.bigint();
  res.once('finish', () => {
    if (req.tokenCode) tokenTimings[req.tokenCode] = Number(process.hrtime.bigint() - started) / 1e6;
  });
}
opServer.on('request', (req, res) => {
  if (config.recordTokenTimings && req.method === 'POST' && (req.url ?? '').startsWith('/token')) timeTokenRequest(req, res);
  return isApiPath(req.url ?? '/') ? forwardToApi(req, res) : provider.callback()(req, res);
});

async function readJson(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body ? JSON.parse(body) : {};
}

const adminServer = http.createServer(async (req, res) => {
  const send = (status, body) => {
    res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  try {
    const url = new URL(req.url, 'http://admin');
    if (req.method === 'POST' && url.pathname === '/__admin/rotate-keys') {
      const { keepPrevious = false } = await readJson(req);
      const previousKid = jwks[0].kid;
      const next = await newSigningJwk();
      jwks = keepPrevious ? [next, ...jwks] : [next];
      provider = buildProvider();
      return send(200, { kid: next.kid, previousKid, jwksKids: jwks.map((k) => k.kid) });
    }
    if (req.method === 'POST' && url.pathname === '/__admin/token-timings') {
      const timings = tokenTimings;
      tokenTimings = {};
      return send(200, timings);
    }
    const account = url.pathname.match(/^\/__admin\/accounts\/([^/]+)$/);
    if (account && req.method === 'PUT') {
      accounts.set(decodeURIComponent(account[1]), await readJson(req));
      return send(204);
    }
    if (account && req.method === 'DELETE') {
      accounts.delete(decodeURIComponent(account[1]));
      return send(204);
    }
    return send(404, { error: 'not_found' });
  } catch (err) {
    return send(500, { error: String(err) });
  }
});
await new Promise((resolve) => adminServer.listen(0, '127.0.0.1', resolve));
const adminUrl = `http://127.0.0.1:${adminServer.address().port}`;

function stop() {
  opServer.closeAllConnections?.();
  adminServer.closeAllConnections?.();
  let pending = 2;
  const done = () => { if (--pending === 0) process.exit(0); };
  opServer.close(done);
  adminServer.close(done);
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Spawned with a stdin pipe by the peer: if the parent dies without signalling, don't linger.
if (process.env.OP_EXIT_ON_STDIN_END === '1') {
  process.stdin.on('end', stop);
  process.stdin.resume();
}

process.stdout.write(`${JSON.stringify({ issuer, adminUrl })}\n`);
