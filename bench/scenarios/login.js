'use strict';
// Bench scenario `login`: sign-in with the identity provider on loopback.
//   - GetAuthInfo throughput: closed loop over gRPC at concurrency 20 (each call discovers from the
//     cache, builds the authorization URL and inserts one sign_in_states row).
//   - HandleCallback latency, reported as this service's own share: for every callback, the total
//     gRPC latency seen by the caller MINUS the time the OP spent on that callback's token request.
//     The OP (oidc-provider 9, test/support/oidc/op-server.mjs, in a child process) runs with
//     `recordTokenTimings`: it times each POST /token from the request's arrival (headers parsed)
//     to the response's last byte handed to the socket, keyed by the authorization code, and hands
//     the timings over at /__admin/token-timings; the scenario pairs them with its calls by code.
//     The own share therefore still contains the loopback transit of the token exchange (both
//     ways) and the service's HTTP client work, which are the service's cost, not the IdP's. The
//     ID token carries every claim (no userinfo call) and the JWKS and discovery are cached after
//     the warm-up, so the token request is the only IdP call on the path.
//   The codes come from the OP's real authorization endpoint: a headless browser signs in once
//   (login + consent pages), then each GetAuthInfo URL is answered straight away with a code (the
//   session and the grant exist). That part is not timed.
//   HandleCallback is measured sequentially (concurrency 1: the latency target) and at
//   concurrency 4 (information).
// Runs the compiled service (dist/main.js) in a child process on a fresh database of
// $BENCH_DATABASE_URL's server (default postgres://postgres@127.0.0.1:5432/postgres), dropped after.
const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');
const { percentile, runClosedLoop } = require('../lib/load');
const { ADMIN_TOKEN, CORE_TOKEN, createBenchDatabase, startService } = require('../lib/service');

const CLIENT_ID = 'bench-login-client';
const CLIENT_SECRET = 'bench-login-client-secret-0123456789';
const DEFGUARD_URL = 'http://127.0.0.1:8000';
const ACCOUNT = 'bench-user';


/** oidc-provider in a child process; resolves to { child, issuer, adminUrl }. */
async function startOp(root) {
  const config = {
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${DEFGUARD_URL}/auth/callback`] }],
    accounts: { [ACCOUNT]: { email: 'bench.user@example.test', email_verified: true, given_name: 'Bench', family_name: 'User', preferred_username: 'bench.user' } },
    recordTokenTimings: true,
  };
  const child = spawn(process.execPath, [path.join(root, 'test/support/oidc/op-server.mjs')], {
    env: { ...process.env, OP_CONFIG: JSON.stringify(config), OP_EXIT_ON_STDIN_END: '1' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`op-server.mjs exited with ${code} before it was ready`)));
    readline.createInterface({ input: child.stdout }).once('line', resolve);
  });
  return { child, ...JSON.parse(line) };
}

/** A headless browser with one cookie jar: follows the OP's redirects, answers login and consent. */
function browser() {
  const cookies = new Map();
  const store = (res) => {
    for (const header of res.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
  };
  const send = async (url, init = {}) => {
    const headers = new Headers(init.headers);
    if (cookies.size) headers.set('cookie', [...cookies].map(([n, v]) => `${n}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    store(res);
    return res;
  };
  /** Resolves to the redirect back to the client (code, state). */
  return async function authorize(authorizationUrl) {
    const redirectUri = new URL(authorizationUrl).searchParams.get('redirect_uri');
    let next = { url: new URL(authorizationUrl) };
    for (let step = 0; step < 20; step++) {
      const res = await send(next.url, next.init);
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel();
        const url = new URL(res.headers.get('location'), next.url);
        if (`${url.origin}${url.pathname}` === redirectUri) return url;
        next = { url };
        continue;
      }
      const html = await res.text();
      const prompt = html.match(/name="prompt" value="([^"]+)"/)?.[1];
      const action = html.match(/<form[^>]*action="([^"]+)"[^>]*method="post"/)?.[1];
      if (res.status !== 200 || !prompt || !action) throw new Error(`OP answered ${res.status} at ${next.url.pathname}: ${html.slice(0, 300)}`);
      const form = new URLSearchParams({ prompt, ...(prompt === 'login' ? { login: ACCOUNT, password: 'any' } : {}) });
      next = { url: new URL(action.replace(/&amp;/g, '&'), next.url), init: { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } } };
    }
    throw new Error('no redirect back to the client after 20 steps');
  };
}

function summarise(sorted) {
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1] : NaN };
}

module.exports = {
  name: 'login',
  description: 'GetAuthInfo throughput (c=20) and HandleCallback latency (c=1, c=4) as own share (total minus the OP token endpoint time), oidc-provider on loopback',
  requires: ['dist/main.js', 'dist/sign-in/sign-in.module.js', 'dist/grpc/proto-files.js'],
  targets: [
    { metric: 'get_auth_info_per_s', op: '>=', value: 1000, unit: 'req/s', label: 'GetAuthInfo throughput at concurrency 20' },
    { metric: 'callback_own_p99_ms', op: '<=', value: 15, unit: 'ms', label: 'HandleCallback own share p99 (total minus IdP token endpoint), concurrency 1' },
  ],
  units: {
    get_auth_info_p50_ms: 'ms', get_auth_info_p99_ms: 'ms', get_auth_info_errors: 'count',
    callback_total_p50_ms: 'ms', callback_total_p99_ms: 'ms', callback_idp_p50_ms: 'ms', callback_idp_p99_ms: 'ms',
    callback_own_p50_ms: 'ms', callback_own_p90_ms: 'ms', callback_own_max_ms: 'ms', callback_count: 'count', callback_errors: 'count',
    callback_c4_per_s: 'req/s', callback_c4_own_p50_ms: 'ms', callback_c4_own_p99_ms: 'ms', callback_c4_total_p99_ms: 'ms',
  },
  timeoutMs: 5 * 60 * 1000,

  /** @param {import('../lib/harness').RunContext} ctx */
  async run(ctx) {
    const grpc = require('@grpc/grpc-js');
    const protoLoader = require('@grpc/proto-loader');
    const { IDENTITY_PROTO_FILES, PROTO_LOADER_OPTIONS, PROTO_ROOT } = ctx.requireDist('dist/grpc/proto-files.js');
    const sizes = ctx.quick ? { authInfoMs: 2000, callbacks: 100, callbacksC4: 100 } : { authInfoMs: 10000, callbacks: 1000, callbacksC4: 800 };

    let database;
    try {
      database = await createBenchDatabase('bench_login');
    } catch (error) {
      ctx.log(`skipped: ${error.message}`);
      return { metrics: {}, skipped: 'no PostgreSQL server reachable' };
    }

    let op;
    let service;
    let clients = [];
    try {
      op = await startOp(ctx.root);
      service = await startService(ctx.root, database.url, { env: { ALLOW_HTTP_LOOPBACK_PROVIDERS: 'true', DEFGUARD_URL, DEFGUARD_PUBLIC_URL: 'http://127.0.0.1:8080' } });
      const { httpUrl } = service;
      const created = await fetch(`${httpUrl}/api/v1/openid/provider`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'Bench OP', kind: 'Custom', base_url: op.issuer, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, display_name: 'Bench OP',
          directory_sync_enabled: false, directory_sync_interval: 600, directory_sync_user_behavior: 'keep', directory_sync_admin_behavior: 'keep',
          directory_sync_target: 'all', okta_private_jwk: null, okta_dirsync_client_id: null, directory_sync_group_match: '', prefetch_users: false,
          create_account: true, username_handling: 'RemoveForbidden',
        }),
      });
      if (created.status >= 300) throw new Error(`provider setup answered ${created.status}: ${await created.text()}`);

      const definition = protoLoader.loadSync(IDENTITY_PROTO_FILES.map((f) => path.join(PROTO_ROOT, f)), PROTO_LOADER_OPTIONS);
      const AuthService = grpc.loadPackageDefinition(definition).defguard.identity.v1.AuthService;
      clients = Array.from({ length: 4 }, () => new AuthService(service.grpcAddress, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${CORE_TOKEN}`);
      const call = (client, method, request) => new Promise((resolve, reject) => client[method](request, metadata, { deadline: Date.now() + 10000 }, (error, response) => (error ? reject(error) : resolve(response))));
      const takeTokenTimings = async () => (await fetch(`${op.adminUrl}/__admin/token-timings`, { method: 'POST' })).json();

      // GetAuthInfo throughput (warm-up first: JIT, pool, discovery cache).
      await runClosedLoop({ concurrency: 20, durationMs: 1000 }, (i) => call(clients[i % clients.length], 'GetAuthInfo', { flow: 'LOGIN' }).then(() => true));
      const authInfo = await runClosedLoop({ concurrency: 20, durationMs: sizes.authInfoMs }, (i) => call(clients[i % clients.length], 'GetAuthInfo', { flow: 'LOGIN' }).then(() => true));
      ctx.log(`GetAuthInfo c=20: ${authInfo.rps.toFixed(0)}/s p50 ${authInfo.p50.toFixed(2)} ms p99 ${authInfo.p99.toFixed(2)} ms (${authInfo.errors} errors${authInfo.errorSamples.length ? `: ${authInfo.errorSamples.join('; ')}` : ''})`);

      /** `count` callbacks at `concurrency`: each worker gets a fresh code (untimed), then times HandleCallback. */
      // One browser: the warm-up (sequential) logs in and consents once; later workers share that session.
      const authorize = browser();
      const callbacks = async (count, concurrency) => {
        const samples = [];
        let errors = 0;
        let issued = 0;
        const started = Date.now();
        await Promise.all(
          Array.from({ length: concurrency }, async (_, worker) => {
            const client = clients[worker % clients.length];
            while (issued < count) {
              issued++;
              const info = await call(client, 'GetAuthInfo', { flow: 'LOGIN' });
              const back = await authorize(info.url);
              const code = back.searchParams.get('code');
              const t0 = process.hrtime.bigint();
              try {
                await call(client, 'HandleCallback', { flow: 'LOGIN', code, state: back.searchParams.get('state') });
                samples.push({ code, totalMs: Number(process.hrtime.bigint() - t0) / 1e6 });
              } catch (error) {
                if (errors++ === 0) ctx.log(`HandleCallback failed: ${error.message}`);
              }
            }
          }),
        );
        const elapsedS = (Date.now() - started) / 1000;
        const timings = await takeTokenTimings();
        const paired = samples.filter((s) => typeof timings[s.code] === 'number');
        if (paired.length !== samples.length) throw new Error(`${samples.length - paired.length} callbacks have no OP token timing`);
        const sorted = (f) => paired.map(f).sort((a, b) => a - b);
        return {
          count: paired.length,
          errors,
          perSecond: paired.length / elapsedS,
          total: summarise(sorted((s) => s.totalMs)),
          idp: summarise(sorted((s) => timings[s.code])),
          own: summarise(sorted((s) => s.totalMs - timings[s.code])),
        };
      };

      await callbacks(30, 1); // warm-up: the first sign-in creates the account; JWKS fetched and cached
      await takeTokenTimings();
      const c1 = await callbacks(sizes.callbacks, 1);
      ctx.log(`HandleCallback c=1 (${c1.count}, ${c1.errors} errors): total p50 ${c1.total.p50.toFixed(2)} p99 ${c1.total.p99.toFixed(2)} ms; IdP token p50 ${c1.idp.p50.toFixed(2)} p99 ${c1.idp.p99.toFixed(2)} ms; own p50 ${c1.own.p50.toFixed(2)} p99 ${c1.own.p99.toFixed(2)} ms`);
      const c4 = await callbacks(sizes.callbacksC4, 4);
      ctx.log(`HandleCallback c=4 (${c4.count}, ${c4.errors} errors): total p99 ${c4.total.p99.toFixed(2)} ms; own p50 ${c4.own.p50.toFixed(2)} p99 ${c4.own.p99.toFixed(2)} ms`);

      return {
        metrics: {
          get_auth_info_per_s: authInfo.rps,
          get_auth_info_p50_ms: authInfo.p50,
          get_auth_info_p99_ms: authInfo.p99,
          get_auth_info_errors: authInfo.errors,
          callback_count: c1.count,
          callback_errors: c1.errors + c4.errors,
          callback_total_p50_ms: c1.total.p50,
          callback_total_p99_ms: c1.total.p99,
          callback_idp_p50_ms: c1.idp.p50,
          callback_idp_p99_ms: c1.idp.p99,
          callback_own_p50_ms: c1.own.p50,
          callback_own_p90_ms: c1.own.p90,
          callback_own_p99_ms: c1.own.p99,
          callback_own_max_ms: c1.own.max,
          callback_c4_per_s: c4.perSecond,
          callback_c4_own_p50_ms: c4.own.p50,
          callback_c4_own_p99_ms: c4.own.p99,
          callback_c4_total_p99_ms: c4.total.p99,
        },
      };
    } finally {
      clients.forEach((c) => c.close());
      await service?.stop();
      const opChild = op?.child;
      if (opChild && opChild.exitCode === null && opChild.signalCode === null) {
        opChild.kill('SIGTERM');
        await new Promise((resolve) => opChild.once('exit', resolve));
      }
      await database.drop();
    }
  },
};
