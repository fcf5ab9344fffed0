// `npm run demo`: the whole service on a newcomer's machine, end to end, in about a minute.
//
// Starts the built service (`node dist/main.js`) on the embedded PostgreSQL in a temporary
// DATA_DIR, an Okta org on one loopback origin (the real oidc-provider for sign-in, the Okta org
// double behind it for /api/v1 and /oauth2/v1, see test/support/okta-org.ts) holding a few
// thousand users, then does what an admin and Defguard core would do: connects the provider over
// the REST API, signs a user in, enrolls another, runs directory sync (dry run, real run, a
// deactivation) and reads the change feed. Every step prints what it did and the curl (or gRPC)
// equivalent. Exit code 0 only when every step succeeded; everything is stopped and the
// temporary folder deleted at the end, unless `--keep` is given (then Ctrl-C stops it).
//
// Built by scripts/build-demo.js into dist-demo/ (git-ignored) together with the test peers.
import { ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { freePort } from '../src/database/embedded-postgres';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { OktaOrg, startOktaOrg } from '../test/support/okta-org';
import { browserLogin } from '../test/support/oidc/oidc-provider-peer';
import type { UserRecord } from '../test/okta-double';

// ---- settings ----------------------------------------------------------------------------------

const KEEP = process.argv.includes('--keep');
const DIRECTORY = { users: 3_000, groups: 40, membershipsPerUser: 2, deprovisionedShare: 0.01, seed: 7 };
const DASHBOARD_CLIENT_ID = 'defguard-dashboard';
const SYNC_CLIENT_ID = 'defguard-directory-sync';
const SYNC_KEY_ID = 'demo-sync-key';
const LOGIN_USER = 'user0042@example.com';
const ENROLL_USER = 'user0117@example.com';

/** The repository root: the folder with package.json and proto/ above this file (src or dist-demo). */
function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'proto'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no repository root (package.json + proto/) above ${from}`);
  }
}
const ROOT = findRoot(__dirname);

// ---- output ------------------------------------------------------------------------------------

const out = (text = '') => process.stdout.write(`${text}\n`);
const row = (label: string, value: string) => out(`    ${label.padEnd(15)}${value}`.replace(/\n/g, `\n${' '.repeat(19)}`));
const shell = (command: string) => out(`    $ ${command}`);
const n = (value: number) => value.toLocaleString('en-US');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

class Skip {
  constructor(readonly reason: string) {}
}

class StepError extends Error {}

function fail(message: string): never {
  throw new StepError(message);
}

// ---- small helpers -----------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- the service process -----------------------------------------------------------------------

interface Service {
  child: ChildProcess;
  httpUrl: string;
  grpcAddress: string;
  logFile: string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

async function startService(env: Record<string, string>, dataDir: string): Promise<Service> {
  const main = path.join(ROOT, 'dist', 'main.js');
  if (!fs.existsSync(main)) fail(`${main} is missing: run "npm run build" first (npm run demo does)`);
  const logFile = path.join(dataDir, 'service.log');
  const log = fs.openSync(logFile, 'a');
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.DATABASE_URL; // the embedded PostgreSQL, as a newcomer gets it
  // Its own process group: a Ctrl-C in the terminal reaches the demo only, which then stops the
  // service with one SIGTERM (a second signal would make the service exit at once).
  const child = spawn(process.execPath, [main], { cwd: ROOT, env: childEnv, stdio: ['ignore', log, log], detached: true });
  fs.closeSync(log);
  // Last resort if the demo itself dies: the service still gets its SIGTERM.
  process.once('exit', () => child.exitCode === null && child.signalCode === null && child.kill('SIGTERM'));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const httpUrl = `http://127.0.0.1:${env.HTTP_PORT}`;
  let stopping: Promise<void> | undefined;
  const service: Service = {
    child,
    httpUrl,
    grpcAddress: `127.0.0.1:${env.GRPC_PORT}`,
    logFile,
    exited,
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM'); // graceful: finishes requests, stops the embedded PostgreSQL
        const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(killer);
      })()),
  };
  // Ready when /health answers 200 (the database is up and migrated).
  const deadline = Date.now() + 120_000;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  for (;;) {
    if (exitCode !== undefined) fail(`the service exited with code ${exitCode} during start-up; its log:\n${tail(logFile, 15)}`);
    try {
      const res = await fetch(`${httpUrl}/health`);
      if (res.status === 200) return service;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await service.stop();
      fail(`the service did not answer /health within 120 s; its log:\n${tail(logFile, 15)}`);
    }
    await sleep(200);
  }
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** The service's last warnings and errors (its log is JSON lines), for a failed step. */
function logProblems(file: string): string {
  const lines: string[] = [];
  for (const line of tail(file, 500).split('\n')) {
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      if ((entry.level ?? 0) >= 40) lines.push(`${entry.level! >= 50 ? 'error' : 'warn'}: ${entry.msg ?? ''}${entry.err?.message ? ` (${entry.err.message})` : ''}`);
    } catch {
      // Start-up lines come from Nest's plain logger (coloured text) before the JSON logger is up.
      const plain = line.replace(/\x1b\[[0-9;]*m/g, '').trim();
      if (/error|fail/i.test(plain)) lines.push(plain);
    }
  }
  return lines.slice(-5).join('\n');
}

// ---- REST and gRPC clients ---------------------------------------------------------------------

interface ApiAnswer {
  status: number;
  body: any;
  text: string;
}

function restClient(baseUrl: string, adminToken: string) {
  return async (method: string, urlPath: string, body?: unknown): Promise<ApiAnswer> => {
    const res = await fetch(`${baseUrl}${urlPath}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed, text };
  };
}

function grpcClients(address: string, coreToken: string) {
  const files = ['common', 'user', 'auth', 'mfa', 'directory_sync', 'provider'].map((f) => `defguard/identity/v1/${f}.proto`);
  const protoRoot = path.join(ROOT, 'proto');
  const definition = protoLoader.loadSync(
    files.map((f) => path.join(protoRoot, f)),
    { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [protoRoot] },
  );
  const pkg = (grpc.loadPackageDefinition(definition) as any).defguard.identity.v1;
  const metadata = () => {
    const m = new grpc.Metadata();
    m.set('authorization', `Bearer ${coreToken}`);
    return m;
  };
  const make = (service: string) => {
    const client = new pkg[service](address, grpc.credentials.createInsecure()) as grpc.Client & Record<string, any>;
    return {
      client,
      call: <T = any>(method: string, request: object = {}): Promise<T> =>
        new Promise((resolve, reject) =>
          client[method](request, metadata(), { deadline: Date.now() + 30_000 }, (error: grpc.ServiceError | null, response: T) =>
            error ? reject(new Error(`${service}.${method}: ${grpc.status[error.code]} ${error.details}`)) : resolve(response),
          ),
        ),
      stream: (method: string, request: object) => client[method](request, metadata()) as grpc.ClientReadableStream<any>,
    };
  };
  const clients = { auth: make('AuthService'), users: make('UserService') };
  return { ...clients, close: () => Object.values(clients).forEach((c) => c.client.close()) };
}

// ---- the demo ------------------------------------------------------------------------------------

interface Context {
  dataDir: string;
  adminToken: string;
  coreToken: string;
  service: Service;
  org: OktaOrg;
  clientSecret: string;
  privateJwk: Record<string, unknown>;
  seeded: { users: number; deprovisioned: number; groups: number; memberships: number };
  api: ReturnType<typeof restClient>;
  rpc: ReturnType<typeof grpcClients>;
  loginUser: UserRecord;
  enrollUser: UserRecord;
  /** Set by step 5 when the service cannot sync this provider: steps 6 and 7 skip for the same reason. */
  syncUnavailable?: string;
}

/** The curl equivalent of an admin REST call ($DI and $TOKEN are printed at the start). */
function curlOf(method: string, urlPath: string, body?: unknown): string {
  const data = body === undefined ? '' : ` -H 'Content-Type: application/json' \\\n      -d '${JSON.stringify(body)}'`;
  return `curl -sS${method === 'GET' ? '' : ` -X ${method}`} "$DI${urlPath}" -H "Authorization: Bearer $TOKEN"${data}`;
}

function describeUser(user: any): string {
  const groups = (user.groups ?? []).map((g: any) => g.name);
  return [
    `${user.username}  <${user.email}>  ${user.first_name} ${user.last_name}`,
    `source ${user.source}, active ${user.is_active}, subject ${user.subject ?? '-'}`,
    groups.length ? `groups: ${groups.join(', ')}` : 'groups: none yet (directory sync brings them)',
  ].join('\n');
}

async function signIn(ctx: Context, loginPath: string, callbackPath: string, user: UserRecord): Promise<any> {
  const start = await fetch(`${ctx.service.httpUrl}${loginPath}`, { redirect: 'manual' });
  const authorizeUrl = start.headers.get('location');
  if (start.status !== 302 || !authorizeUrl) fail(`GET ${loginPath} answered ${start.status}: ${await start.text()}`);
  const authorize = new URL(authorizeUrl);
  row('browser', `GET ${loginPath} -> 302 to the org's ${authorize.pathname} (code flow, PKCE ${authorize.searchParams.get('code_challenge_method')}, state, nonce)`);
  const back = await browserLogin(authorize, { login: user.id });
  if (back.searchParams.get('error')) fail(`the org answered error=${back.searchParams.get('error')}`);
  row('user', `signs in at the org as ${user.profile.login} (Okta id ${user.id})`);
  const callback = await fetch(`${ctx.service.httpUrl}${callbackPath}${back.search}`, { redirect: 'manual' });
  const resultUrl = callback.headers.get('location');
  if (callback.status !== 302 || !resultUrl) fail(`GET ${callbackPath} answered ${callback.status}: ${await callback.text()}`);
  const result = new URL(resultUrl);
  const handle = result.searchParams.get('result');
  if (!handle) fail(`GET ${callbackPath} refused the sign-in: error=${result.searchParams.get('error')}`);
  row('callback', `GET ${callbackPath}?code=...&state=... -> 302 to ${result.origin}${result.pathname}?result=<one-time handle>`);
  const redeemed = await ctx.rpc.auth.call('RedeemAuthResult', { result: handle });
  row('core', `AuthService.RedeemAuthResult -> ${redeemed.flow}, created ${redeemed.created}, linked ${redeemed.linked}`);
  return redeemed;
}

async function countUsers(ctx: Context, filter: { is_active?: boolean } = {}): Promise<number> {
  let count = 0;
  let pageToken = '';
  do {
    const page = await ctx.rpc.users.call('ListUsers', { page_size: 1000, page_token: pageToken, ...filter });
    count += page.users.length;
    pageToken = page.next_page_token;
  } while (pageToken);
  return count;
}

/** POST /api/v1/directory_sync/run; a Skip when this build or this provider kind cannot sync. */
async function runSync(ctx: Context, dryRun: boolean): Promise<{ run: any; wallMs: number } | Skip> {
  if (ctx.syncUnavailable) return new Skip(ctx.syncUnavailable);
  const body = { dry_run: dryRun };
  shell(curlOf('POST', '/api/v1/directory_sync/run', body));
  const started = Date.now();
  const res = await ctx.api('POST', '/api/v1/directory_sync/run', body);
  const wallMs = Date.now() - started;
  if (res.status === 404 && (res.body?.code ?? 'http_404') === 'http_404') {
    ctx.syncUnavailable = 'this build has no directory sync engine yet (POST /api/v1/directory_sync/run answers 404)';
    return new Skip(ctx.syncUnavailable);
  }
  if (res.body?.code === 'sync_unsupported_provider') {
    ctx.syncUnavailable = `this build's sync engine has no Okta adapter wired in yet ("${res.body.msg}")`;
    return new Skip(ctx.syncUnavailable);
  }
  if (res.body?.code === 'sync_not_configured') {
    // Step 1 saved the provider with directory sync on: the engine does not read it (yet).
    const current = await ctx.api('GET', '/api/v1/openid/provider/current');
    if (current.status === 200 && current.body?.provider?.directory_sync_enabled) {
      ctx.syncUnavailable = `this build's sync engine is not connected to the provider settings yet: it answered ${res.status} "${res.body.msg}" although GET /api/v1/openid/provider/current shows Okta with directory sync on`;
      return new Skip(ctx.syncUnavailable);
    }
  }
  if (res.status !== 200) fail(`answered ${res.status}: ${res.text}`);
  return { run: res.body, wallMs };
}

function printCounts(counts: Record<string, number>): void {
  const nonZero = Object.entries(counts).filter(([, v]) => v);
  row('counts', nonZero.length ? nonZero.map(([k, v]) => `${k} ${n(v)}`).join(', ') : 'no changes');
}

function printChanges(run: any, perAction: number): void {
  const changes: any[] = run.changes ?? [];
  const byAction = new Map<string, any[]>();
  for (const change of changes) byAction.set(change.action, [...(byAction.get(change.action) ?? []), change]);
  const total = run.changes_total ?? changes.length;
  row('changes', `${n(total)} ${run.dry_run ? 'in the plan' : 'applied'}${changes.length < total ? ` (the run record keeps the first ${n(changes.length)})` : ''}; for example:`);
  for (const [action, list] of byAction) {
    for (const change of list.slice(0, perAction)) {
      const who = change.username ?? change.email ?? change.user_id ?? '';
      out(`      ${action.padEnd(20)} ${[who, change.group_name].filter(Boolean).join(' -> ').padEnd(36)} ${change.reason ?? ''}`);
    }
  }
}

const STEPS: Array<{ title: string; run: (ctx: Context) => Promise<void | Skip> }> = [
  {
    title: 'Connect Okta as the external identity provider (the admin REST API)',
    async run(ctx) {
      const body = {
        name: 'Okta',
        kind: 'Okta',
        display_name: 'Okta',
        base_url: ctx.org.url,
        client_id: DASHBOARD_CLIENT_ID,
        client_secret: ctx.clientSecret,
        directory_sync_enabled: true,
        directory_sync_interval: 600,
        directory_sync_user_behavior: 'disable',
        directory_sync_admin_behavior: 'keep',
        directory_sync_target: 'all',
        prefetch_users: true, // create accounts for everyone in the directory, not only for those who signed in
        okta_dirsync_client_id: SYNC_CLIENT_ID,
        okta_private_jwk: JSON.stringify(ctx.privateJwk),
        create_account: true,
        username_handling: 'PruneEmailDomain',
      };
      shell(curlOf('POST', '/api/v1/openid/provider', { ...body, client_secret: '<client secret>', okta_private_jwk: '<the private JWK, JSON>' }));
      const res = await ctx.api('POST', '/api/v1/openid/provider', body);
      if (res.status !== 201) fail(`answered ${res.status}: ${res.text}`);
      row('answer', `201: saved after checking ${ctx.org.url}/.well-known/openid-configuration (issuer = base_url)`);
      shell(curlOf('GET', '/api/v1/openid/provider/current'));
      const current = await ctx.api('GET', '/api/v1/openid/provider/current');
      if (current.status !== 200) fail(`GET /api/v1/openid/provider/current answered ${current.status}: ${current.text}`);
      const p = current.body.provider;
      row('answer', `200: ${p.kind} at ${p.base_url}, sync ${p.directory_sync_enabled ? 'on' : 'off'} (users missing from Okta: ${p.directory_sync_user_behavior}, admins: ${p.directory_sync_admin_behavior})`);
      row('secrets', `client_secret ${JSON.stringify(p.client_secret)}, okta_private_jwk ${JSON.stringify(p.okta_private_jwk)} (encrypted at rest, never returned)`);
    },
  },
  {
    title: 'Test the directory connection',
    async run(ctx) {
      shell(curlOf('GET', '/api/v1/test_directory_sync'));
      const res = await ctx.api('GET', '/api/v1/test_directory_sync');
      if (res.status !== 200) fail(`answered ${res.status}: ${res.text}`);
      row('answer', `200 ${JSON.stringify(res.body)}`);
      if (!res.body.success && /not available in this build/.test(res.body.message)) return new Skip(`this build cannot test directory connections yet: "${res.body.message}"`);
      if (!res.body.success) fail(`the connection test failed: ${res.body.message}`);
    },
  },
  {
    title: `Dashboard sign-in (LOGIN) as ${LOGIN_USER}`,
    async run(ctx) {
      const result = await signIn(ctx, '/auth/login', '/auth/callback', ctx.loginUser);
      if (result.flow !== 'LOGIN' || !result.user?.id) fail(`unexpected result: ${JSON.stringify(result)}`);
      row('account', describeUser(result.user));
    },
  },
  {
    title: `Enrollment (ENROLLMENT) of ${ENROLL_USER}`,
    async run(ctx) {
      const result = await signIn(ctx, '/openid/login', '/openid/callback', ctx.enrollUser);
      if (result.flow !== 'ENROLLMENT' || !result.user?.id) fail(`unexpected result: ${JSON.stringify(result)}`);
      if (!result.enrollment_token) fail('no enrollment token was minted');
      row('account', describeUser(result.user));
      row('enrollment', `continue at ${result.enrollment_url}; an enrollment token was minted (${result.enrollment_token.length} characters, given to core once, stored as SHA-256; not printed)`);
    },
  },
  {
    title: 'Directory sync, dry run: the plan, nothing applied',
    async run(ctx) {
      const before = await countUsers(ctx);
      const answer = await runSync(ctx, true);
      if (answer instanceof Skip) return answer;
      const { run, wallMs } = answer;
      row('answer', `200 run ${run.id}: ${run.status}, dry_run ${run.dry_run}, ${seconds(wallMs)}, ${n(run.api_calls)} Okta API calls`);
      if (run.status !== 'SUCCEEDED') fail(`the dry run ended ${run.status}: ${run.message} ${JSON.stringify(run.errors)}`);
      row('message', run.message);
      printCounts(run.counts);
      printChanges(run, 2);
      const after = await countUsers(ctx);
      row('users', `${n(after)} in the service before and after (a dry run applies nothing)`);
      if (after !== before) fail(`the dry run changed the number of users from ${before} to ${after}`);
    },
  },
  {
    title: `Directory sync: ${n(DIRECTORY.users)} users, ${DIRECTORY.groups} groups`,
    async run(ctx) {
      ctx.org.directory.resetStats();
      const answer = await runSync(ctx, false);
      if (answer instanceof Skip) return answer;
      const { run, wallMs } = answer;
      const stats = ctx.org.directory.stats();
      row('answer', `200 run ${run.id}: ${run.status} in ${seconds(wallMs)}`);
      if (run.status !== 'SUCCEEDED') fail(`the sync ended ${run.status}: ${run.message} ${JSON.stringify(run.errors)}`);
      row('message', run.message);
      printCounts(run.counts);
      row('Okta API', `${n(run.api_calls)} calls by the service's count; the org saw ${n(stats.requests.total)} requests, ${n(stats.rateLimited429)} answered 429`);
      const [total, active] = [await countUsers(ctx), await countUsers(ctx, { is_active: true })];
      row('users', `${n(total)} in the service, ${n(active)} active (the org has ${n(ctx.seeded.users)}, ${n(ctx.seeded.deprovisioned)} deprovisioned)`);
      const login = (await ctx.rpc.users.call('GetUser', { subject: ctx.loginUser.id })).user;
      row('signed-in user', `${login.username}, now linked to the directory: directory_id ${login.directory_id ?? '-'}, ${login.groups.length} groups`);
      shell(curlOf('GET', '/api/v1/directory_sync/runs'));
    },
  },
  {
    title: `${LOGIN_USER} leaves: deactivated in Okta, then sync again`,
    async run(ctx) {
      if (ctx.syncUnavailable) return new Skip(ctx.syncUnavailable);
      ctx.org.directory.deactivateUser(ctx.loginUser.id);
      row('Okta', `${ctx.loginUser.profile.login} is now DEPROVISIONED in the org`);
      const answer = await runSync(ctx, false);
      if (answer instanceof Skip) return answer;
      const { run, wallMs } = answer;
      row('answer', `200 run ${run.id}: ${run.status} in ${seconds(wallMs)}, ${n(run.api_calls)} Okta API calls`);
      if (run.status !== 'SUCCEEDED') fail(`the sync ended ${run.status}: ${run.message} ${JSON.stringify(run.errors)}`);
      printCounts(run.counts);
      printChanges(run, 3);
      const user = (await ctx.rpc.users.call('GetUser', { subject: ctx.loginUser.id })).user;
      row('user', `${user.username}: active ${user.is_active} (core follows the change feed and removes the user's VPN peers)`);
      if (user.is_active) fail('the deactivated user is still active after the sync');
      const start = await fetch(`${ctx.service.httpUrl}/auth/login`, { redirect: 'manual' });
      const back = await browserLogin(start.headers.get('location')!, { login: ctx.loginUser.id });
      const refused = await fetch(`${ctx.service.httpUrl}/auth/callback${back.search}`, { redirect: 'manual', headers: { accept: 'application/json' } });
      const refusal = (await refused.json()) as { code?: string; msg?: string };
      row('sign-in again', `${refused.status} ${JSON.stringify(refusal)}`);
      if (refusal.code !== 'user_disabled') fail(`expected the sign-in to be refused with user_disabled, got ${refused.status} ${JSON.stringify(refusal)}`);
    },
  },
  {
    title: 'The change feed, as core reads it (gRPC UserService.WatchChanges from sequence 0)',
    async run(ctx) {
      out(`    $ grpcurl -plaintext -H "authorization: Bearer $CORE" -d '{"after_sequence": 0}' ${ctx.service.grpcAddress} defguard.identity.v1.UserService/WatchChanges`);
      const events = await readChangeFeed(ctx);
      if (events.length === 0) fail('the change feed is empty');
      const perType = new Map<string, number>();
      for (const e of events) perType.set(e.type, (perType.get(e.type) ?? 0) + 1);
      row('events', `${n(events.length)} (sequence ${events[0].sequence} to ${events[events.length - 1].sequence})`);
      for (const [type, count] of [...perType].sort((a, b) => b[1] - a[1])) out(`      ${type.padEnd(20)} ${n(count).padStart(7)}`);
      out('    last events');
      for (const e of events.slice(-5)) {
        const entity = e.user ? `${e.user.username} active=${e.user.is_active}` : e.group ? `group ${e.group.name}` : e.membership ? `${e.membership.username} -> ${e.membership.group_name}` : e.entity_id;
        out(`      #${String(e.sequence).padEnd(6)} ${e.occurred_at}  ${e.type.padEnd(18)} ${entity}`);
      }
    },
  },
  {
    title: 'Where to look',
    async run(ctx) {
      const base = ctx.service.httpUrl;
      row('OpenAPI', `${base}/api/docs`);
      row('metrics', `${base}/metrics`);
      row('health', `${base}/health`);
      row('sync runs', `${base}/api/v1/directory_sync/runs (admin token)`);
      row('users', `${base}/api/v1/user (admin token)`);
      row('gRPC', `${ctx.service.grpcAddress} (core token; server reflection on)`);
      row('Okta org', `${ctx.org.url}/.well-known/openid-configuration`);
      row('service log', ctx.service.logFile);
      const health = await fetch(`${base}/health`);
      if (health.status !== 200) fail(`/health answered ${health.status}`);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      const requests = metrics.split('\n').filter((l) => l.startsWith('http_requests_total{')).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
      row('so far', `/health 200; /metrics counts ${n(requests)} REST requests`);
    },
  },
];

/** Reads the feed from the start until it has been quiet for a moment, then cancels the stream. */
async function readChangeFeed(ctx: Context): Promise<any[]> {
  const events: any[] = [];
  const stream = ctx.rpc.users.stream('WatchChanges', { after_sequence: '0' });
  return new Promise((resolve, reject) => {
    let idle: NodeJS.Timeout;
    const finish = () => {
      stream.cancel();
      resolve(events);
    };
    const arm = (ms: number) => {
      clearTimeout(idle);
      idle = setTimeout(finish, ms);
    };
    arm(5_000);
    stream.on('data', (event: any) => {
      events.push(event);
      arm(1_000);
    });
    stream.on('error', (error: grpc.ServiceError) => {
      if (error.code === grpc.status.CANCELLED) return;
      clearTimeout(idle);
      reject(new Error(`WatchChanges: ${grpc.status[error.code]} ${error.details}`));
    });
  });
}

// ---- main --------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (error) {
        out(`  (cleanup: ${error instanceof Error ? error.message : String(error)})`);
      }
    }
  };
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    out('\nStopping...');
    void cleanup().then(() => {
      out('Stopped the service and the Okta org, deleted the folder.');
      process.exit(KEEP ? 0 : 130);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const began = Date.now();
  out('Defguard Identity demo');
  out('======================');
  let ctx: Context;
  try {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'defguard-identity-demo-'));
    // As root, the embedded PostgreSQL runs as the OS user "postgres", which must enter this folder.
    fs.chmodSync(dataDir, 0o755);
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const [httpPort, grpcPort, dbPort] = [await freePort(), await freePort(), await freePort()];
    const httpUrl = `http://127.0.0.1:${httpPort}`;
    const adminToken = `demo-admin-${randomBytes(12).toString('hex')}`;
    const coreToken = `demo-core-${randomBytes(12).toString('hex')}`;
    const env = {
      DATA_DIR: dataDir,
      BIND_ADDRESS: '127.0.0.1',
      HTTP_PORT: String(httpPort),
      GRPC_PORT: String(grpcPort),
      EMBEDDED_DB_PORT: String(dbPort),
      ADMIN_TOKEN: adminToken,
      CORE_GRPC_TOKEN: coreToken,
      SECRET_KEY: randomBytes(32).toString('base64'),
      ALLOW_HTTP_LOOPBACK_PROVIDERS: 'true',
      // The service serves the browser endpoints itself here (no Defguard core in front of it).
      DEFGUARD_URL: httpUrl,
      DEFGUARD_PUBLIC_URL: httpUrl,
      // Runs only when the demo asks, so each run below is the one you read about.
      DIRECTORY_SYNC_SCHEDULER: 'false',
      LOG_LEVEL: 'info',
    };

    out(`  folder         ${dataDir} (embedded PostgreSQL, service log; deleted at the end${KEEP ? ' unless --keep' : ''})`);
    const started = Date.now();
    // The Okta org: an OIDC web app whose redirect URIs are the service's three callbacks, and
    // the API services app for directory sync (public key registered, two read scopes).
    const clientSecret = randomBytes(24).toString('base64url');
    const redirectUris = [`${httpUrl}/auth/callback`, `${httpUrl}/openid/callback`, `${httpUrl}/openid/mfa/callback`];
    const orgStarting = startOktaOrg({
      signIn: { clients: [{ client_id: DASHBOARD_CLIENT_ID, client_secret: clientSecret, redirect_uris: redirectUris }], accounts: {} },
    });
    const serviceStarting = startService(env, dataDir);
    const [orgResult, serviceResult] = await Promise.allSettled([orgStarting, serviceStarting]);
    if (orgResult.status === 'fulfilled') cleanups.push(() => orgResult.value.stop());
    if (serviceResult.status === 'fulfilled') cleanups.push(() => serviceResult.value.stop());
    if (orgResult.status === 'rejected') throw orgResult.reason;
    if (serviceResult.status === 'rejected') throw serviceResult.reason;
    const org = orgResult.value;
    const service = serviceResult.value;
    out(`  service        ${service.httpUrl} (REST, browser endpoints), gRPC ${service.grpcAddress}; up in ${seconds(Date.now() - started)}`);
    out(`                 node dist/main.js, no DATABASE_URL: embedded PostgreSQL in the folder above`);

    const seeded = org.directory.seed(DIRECTORY);
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privateJwk = { ...privateKey.export({ format: 'jwk' }), kid: SYNC_KEY_ID, alg: 'RS256' };
    org.directory.registerClient({ clientId: SYNC_CLIENT_ID, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid: SYNC_KEY_ID }, scopes: ['okta.users.read', 'okta.groups.read'] });
    const pick = (login: string) => {
      const user = org.directory.users.find((u) => u.profile.login === login && u.status === 'ACTIVE');
      if (!user) fail(`the seeded directory has no active ${login}`);
      return user;
    };
    const loginUser = pick(LOGIN_USER);
    const enrollUser = pick(ENROLL_USER);
    // The org's sign-in side knows the two people who sign in below (sub = their Okta user id).
    for (const u of [loginUser, enrollUser]) {
      await org.signIn.setAccountClaims(u.id, {
        email: u.profile.email,
        email_verified: true,
        given_name: u.profile.firstName ?? undefined,
        family_name: u.profile.lastName ?? undefined,
        preferred_username: u.profile.login,
      });
    }
    out(`  Okta org       ${org.url} (sign-in: oidc-provider; /api/v1 and /oauth2/v1: the Okta org double)`);
    out(`    directory    ${n(seeded.users)} users (${seeded.deprovisioned} deprovisioned), ${seeded.groups} groups (with Everyone), ${n(seeded.memberships)} memberships`);
    out(`    web app      client id ${DASHBOARD_CLIENT_ID}, redirect URIs ${redirectUris.map((u) => new URL(u).pathname).join(', ')}`);
    out(`    API app      client id ${SYNC_CLIENT_ID}, private_key_jwt with RSA key "${SYNC_KEY_ID}", scopes okta.users.read okta.groups.read`);
    out('');
    out('  To repeat the calls yourself (with --keep):');
    out(`    export DI=${service.httpUrl} TOKEN=${adminToken} CORE=${coreToken}`);

    ctx = {
      dataDir,
      adminToken,
      coreToken,
      service,
      org,
      clientSecret,
      privateJwk,
      seeded,
      api: restClient(service.httpUrl, adminToken),
      rpc: grpcClients(service.grpcAddress, coreToken),
      loginUser,
      enrollUser,
    };
    const rpc = ctx.rpc;
    cleanups.push(() => rpc.close());
  } catch (error) {
    out(`\nFAILED to start: ${error instanceof Error ? error.message : String(error)}`);
    await cleanup();
    return 1;
  }

  const results: Array<{ title: string; status: 'ok' | 'skipped' | 'failed' | 'not run'; note?: string }> = [];
  let failed = false;
  for (const [index, step] of STEPS.entries()) {
    const label = `[${index + 1}] ${step.title}`;
    if (failed || interrupted) {
      results.push({ title: label, status: 'not run' });
      continue;
    }
    out('');
    out(label);
    const t0 = Date.now();
    try {
      const outcome = await step.run(ctx);
      if (outcome instanceof Skip) {
        out(`    SKIPPED: ${outcome.reason}`);
        results.push({ title: label, status: 'skipped', note: outcome.reason });
      } else {
        out(`    ok (${seconds(Date.now() - t0)})`);
        results.push({ title: label, status: 'ok' });
      }
    } catch (error) {
      const message = error instanceof Error ? (error instanceof StepError ? error.message : error.stack ?? error.message) : String(error);
      out(`    FAILED: ${message}`);
      const problems = logProblems(ctx.service.logFile);
      if (problems) out(`    the service logged:\n${problems.replace(/^/gm, '      ')}`);
      results.push({ title: label, status: 'failed', note: message });
      failed = true;
    }
  }

  out('');
  out('Summary');
  for (const r of results) out(`  ${r.status.toUpperCase().padEnd(8)} ${r.title}`);
  const skipped = results.filter((r) => r.status === 'skipped').length;
  out(`  ${failed ? 'a step failed' : skipped ? `every step that ran succeeded; ${skipped} skipped (see above)` : 'every step succeeded'} in ${seconds(Date.now() - began)}`);

  if (KEEP && !failed && !interrupted) {
    out('');
    out(`Still running (--keep): service ${ctx.service.httpUrl}, Okta org ${ctx.org.url}. Ctrl-C stops everything and deletes ${ctx.dataDir}.`);
    await new Promise<never>(() => undefined); // the signal handler cleans up and exits
  }
  out('');
  out('Cleaning up: stopping the service (SIGTERM) and the Okta org, deleting the folder...');
  await cleanup();
  out('Done.');
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
