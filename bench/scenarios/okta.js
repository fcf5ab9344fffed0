'use strict';
// Okta directory sync at 100,000 users: our provider (src/directory-sync/providers/okta) against
// the Okta org double (test/okta-double, compiled into dist-bench/ with tsc at the start of the
// run, and run in its own process), 20 ms latency per request. A full listing is users (the
// default list + the deprovisioned ones), groups, and every group's members with 4 member
// listings in flight, each listing in a fresh child process (bench/fixtures/okta-list-runner.js)
// so its peak heap and RSS are its own. Settings: (a) Okta's default per-minute limits
// (Workforce Identity column) compressed 4x (a "minute" lasts 15 s), (b) no rate limiting; then an incremental listing
// after 1 % of the users changed. The same full listing through @okta/okta-sdk-nodejs (a plain
// loop per listing, 4 member listings at once) is measured beside it for the SDK-or-own decision.

const { execFileSync, fork, spawn } = require('node:child_process');
const { generateKeyPairSync } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const FIXTURES = path.join(__dirname, '..', 'fixtures');
// Okta's limits are per minute. At 60x a "minute" lasts 1 s and 600 calls per second never bind
// against a client that waits 20 ms per request (measured: 0 429s for both clients); at 4x a
// "minute" lasts 15 s and the limits bind as they do in real time for this workload, so the
// time-compressed run still tests the throttling.
const TIME_SCALE = 4;
const NO_LIMITS = { users: 1e9, user: 1e9, groups: 1e9, group: 1e9, other: 1e9, oauth2: 1e9 };

/** Compiles test/okta-double into dist-bench/okta-double unless it is up to date. */
function compileDouble(root, log) {
  const src = path.join(root, 'test', 'okta-double');
  const out = path.join(root, 'dist-bench', 'okta-double', 'index.js');
  const newest = Math.max(...fs.readdirSync(src).map((f) => fs.statSync(path.join(src, f)).mtimeMs));
  if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= newest) return;
  log('compiling the Okta double into dist-bench/');
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'bench', 'tsconfig.okta-double.json')], {
    cwd: root,
    stdio: 'inherit',
  });
}

/** The double in a child process, driven over IPC. */
function startDoubleProcess() {
  const child = fork(path.join(FIXTURES, 'okta-double-server.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let seq = 0;
  const pending = new Map();
  child.on('message', (msg) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error) p.reject(new Error(msg.error));
    else p.resolve(msg.result);
  });
  const call = (cmd, ...args) =>
    new Promise((resolve, reject) => {
      const id = ++seq;
      pending.set(id, { resolve, reject });
      child.send({ id, cmd, args });
    });
  return { child, call };
}

/** One listing in a fresh process; resolves with its LIST_RESULT. */
function runListing(opts) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(FIXTURES, 'okta-list-runner.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdin.end(JSON.stringify(opts)); // on stdin: the key must not show in the process list
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      const m = /LIST_RESULT (\{.*\})/.exec(out);
      if (m) resolve(JSON.parse(m[1]));
      else reject(new Error(`listing runner exited with ${code} without a result: ${out.slice(-500)}`));
    });
  });
}

module.exports = {
  name: 'okta',
  description:
    'Okta directory sync through the Okta org double (100k users, 2k groups, 500k memberships, 20 ms latency): full listing at default limits (4x time-compressed) and without limits, incremental after 1 % changed, and the Okta Node SDK beside it',
  requires: ['dist/directory-sync/providers/okta/okta-directory.provider.js'],
  targets: [
    { metric: 'own_calls_ratio_default', op: '<=', value: 1.05, unit: 'x', label: 'API calls / lower bound, default limits' },
    { metric: 'own_429_default', op: '<=', value: 0, unit: '429s', label: '429s received at default settings' },
    { metric: 'own_wall_nolimit_s', op: '<=', value: 120, unit: 's', label: 'full listing without rate limiting' },
    { metric: 'incr_calls_share', op: '<=', value: 0.1, unit: 'x', label: 'incremental calls / full calls (1 % changed)' },
    { metric: 'own_complete', op: '>=', value: 1, unit: 'bool', label: 'both full listings complete' },
  ],
  units: {
    lower_bound: 'calls',
    own_calls_default: 'calls',
    own_wall_default_s: 's',
    own_peak_heap_default_mb: 'MiB',
    own_rss_default_mb: 'MiB',
    own_calls_nolimit: 'calls',
    own_calls_ratio_nolimit: 'x',
    own_peak_heap_nolimit_mb: 'MiB',
    own_rss_nolimit_mb: 'MiB',
    incr_calls: 'calls',
    incr_wall_s: 's',
    sdk_calls_default: 'calls',
    sdk_calls_ratio_default: 'x',
    sdk_429_default: '429s',
    sdk_wall_default_s: 's',
    sdk_peak_heap_default_mb: 'MiB',
    sdk_calls_nolimit: 'calls',
    sdk_wall_nolimit_s: 's',
    sdk_peak_heap_nolimit_mb: 'MiB',
    sdk_rss_nolimit_mb: 'MiB',
    sdk_complete: 'bool',
  },
  chart: { title: 'Okta full listing: wall time (s)', type: 'bar' },
  timeoutMs: 15 * 60 * 1000,

  /** @param {import('../lib/harness').RunContext} ctx */
  async run(ctx) {
    compileDouble(ctx.root, ctx.log);
    const size = ctx.quick
      ? { users: 10_000, groups: 200, membershipsPerUser: 4 }
      : { users: 100_000, groups: 2_000, membershipsPerUser: 4 }; // + "Everyone": 500k memberships
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = 'bench-key';
    const privateJwk = { ...privateKey.export({ format: 'jwk' }), kid };
    const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid };

    const double = startDoubleProcess();
    try {
      const { url } = await double.call('start', { latencyMs: 20, timeScale: TIME_SCALE });
      await double.call('registerClient', { clientId: 'bench-sync', publicJwk, scopes: ['okta.users.read', 'okta.groups.read'] });
      const seeded = await double.call('seed', { ...size, groups: size.groups, deprovisionedShare: 0.05, seed: 42 });
      ctx.log(`seeded ${seeded.users} users (${seeded.deprovisioned} deprovisioned), ${seeded.groups} groups, ${seeded.memberships} memberships; lower bound ${seeded.lowerBound} calls`);
      const base = { root: ctx.root, orgUrl: url, clientId: 'bench-sync', privateJwk, memberConcurrency: 4 };
      const complete = (r) =>
        r.ok && r.counts.users === seeded.users && r.counts.groups === seeded.groups && r.counts.memberships === seeded.memberships ? 1 : 0;

      /** One listing against fresh windows and counters; the double's view of it. */
      const measure = async (label, mode, limits, extra = {}) => {
        await double.call('setRateLimits', limits);
        await double.call('resetRateLimits');
        await double.call('resetStats');
        const r = await runListing({ ...base, mode, ...extra });
        const s = await double.call('stats');
        ctx.log(
          `${label}: ${r.ok ? 'ok' : 'FAILED ' + r.error} calls=${s.requests.total} 429=${s.rateLimited429} wall=${(r.wallMs / 1000).toFixed(1)}s heap=${r.peakHeapMb.toFixed(0)}MiB rss=${r.maxRssMb.toFixed(0)}MiB counts=${JSON.stringify(r.counts ?? {})}`,
        );
        return { r, s, calls: s.requests.total, r429: s.rateLimited429, wallS: r.wallMs / 1000 };
      };

      const WORKFORCE = { users: 600, user: 2000, groups: 500, group: 1000, other: 1200, oauth2: 2000 };
      const ownDefault = await measure('own, default limits', 'own', WORKFORCE);
      const ownFree = await measure('own, no limits', 'own', NO_LIMITS);

      const since = new Date(await double.call('now')).toISOString();
      const changed = await double.call('touchUsers', Math.round(seeded.users / 100));
      const incr = await measure(`own, incremental (${changed} users changed)`, 'own', WORKFORCE, { updatedSince: since });

      const sdkDefault = await measure('sdk, default limits', 'sdk', WORKFORCE);
      const sdkFree = await measure('sdk, no limits', 'sdk', NO_LIMITS);

      const lb = seeded.lowerBound;
      return {
        metrics: {
          lower_bound: lb,
          own_calls_default: ownDefault.calls,
          own_calls_ratio_default: ownDefault.calls / lb,
          own_429_default: ownDefault.r429,
          own_wall_default_s: ownDefault.wallS,
          own_peak_heap_default_mb: ownDefault.r.peakHeapMb,
          own_rss_default_mb: ownDefault.r.maxRssMb,
          own_calls_nolimit: ownFree.calls,
          own_calls_ratio_nolimit: ownFree.calls / lb,
          own_wall_nolimit_s: ownFree.wallS,
          own_peak_heap_nolimit_mb: ownFree.r.peakHeapMb,
          own_rss_nolimit_mb: ownFree.r.maxRssMb,
          own_complete: complete(ownDefault.r) && complete(ownFree.r) ? 1 : 0,
          incr_calls: incr.calls,
          incr_calls_share: incr.calls / ownDefault.calls,
          incr_wall_s: incr.wallS,
          sdk_calls_default: sdkDefault.calls,
          sdk_calls_ratio_default: sdkDefault.calls / lb,
          sdk_429_default: sdkDefault.r429,
          sdk_wall_default_s: sdkDefault.wallS,
          sdk_peak_heap_default_mb: sdkDefault.r.peakHeapMb,
          sdk_calls_nolimit: sdkFree.calls,
          sdk_wall_nolimit_s: sdkFree.wallS,
          sdk_peak_heap_nolimit_mb: sdkFree.r.peakHeapMb,
          sdk_rss_nolimit_mb: sdkFree.r.maxRssMb,
          sdk_complete: complete(sdkDefault.r) && complete(sdkFree.r) ? 1 : 0,
        },
        series: [
          { label: 'own client', points: [{ x: 1, y: ownDefault.wallS }, { x: 2, y: ownFree.wallS }], xLabel: '1: default limits / 2: no limits', yLabel: 's' },
          { label: 'Okta SDK', points: [{ x: 1, y: sdkDefault.wallS }, { x: 2, y: sdkFree.wallS }], xLabel: '1: default limits / 2: no limits', yLabel: 's' },
        ],
      };
    } finally {
      await Promise.race([double.call('stop').catch(() => undefined), new Promise((r) => setTimeout(r, 3000))]);
      if (double.child.exitCode === null) double.child.kill('SIGKILL');
    }
  },
};
