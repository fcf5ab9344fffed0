'use strict';
// Bench scenario `users`: 100,000 users and 2,000 groups, then GetUser and ListUsers over gRPC at
// concurrency 20 (throughput, p50/p99), and a WatchChanges replay of 1,000,000 events (rate and
// the service's memory while streaming). Runs the compiled service (dist/main.js) in a child
// process on a fresh database (bench/lib/service.js: BENCH_DATABASE_URL's server, or the machine's).
const path = require('node:path');
const { readRss, runClosedLoop } = require('../lib/load');
const { CORE_TOKEN, createBenchDatabase, startService } = require('../lib/service');

const CONCURRENCY = 20;

/** The service's resident set in MB: VmRSS now, or VmHWM (the peak so far). */
function serviceMemoryMb(pid, field) {
  const rss = readRss(pid);
  return rss ? (field === 'VmHWM' ? rss.hwmBytes : rss.rssBytes) / 1024 / 1024 : 0;
}

/** `call(i)` from CONCURRENCY closed-loop workers for `durationMs` (bench/lib/load.js). */
function closedLoop(durationMs, call) {
  return runClosedLoop({ concurrency: CONCURRENCY, durationMs }, async (i) => {
    await call(i);
    return true;
  });
}

module.exports = {
  name: 'users',
  description: 'GetUser / ListUsers latency at concurrency 20 over 100k users and 2k groups; WatchChanges replay of 1M events',
  requires: ['dist/users/users.module.js', 'dist/grpc/proto-files.js', 'dist/main.js'],
  targets: [
    { metric: 'get_user_p99_ms', op: '<=', value: 5, unit: 'ms', label: 'GetUser p99 at concurrency 20' },
    { metric: 'replay_events_per_s', op: '>=', value: 50000, unit: 'events/s', label: 'WatchChanges replay rate' },
    { metric: 'replay_rss_growth_mb', op: '<=', value: 64, unit: 'MB', label: 'service RSS growth while replaying (flat memory)' },
  ],

  async run(ctx) {
    const { Client } = require('pg');
    const grpc = require('@grpc/grpc-js');
    const protoLoader = require('@grpc/proto-loader');
    const { IDENTITY_PROTO_FILES, PROTO_LOADER_OPTIONS, PROTO_ROOT } = ctx.requireDist('dist/grpc/proto-files.js');

    const sizes = ctx.quick ? { users: 5_000, groups: 200, events: 50_000, seconds: 3 } : { users: 100_000, groups: 2_000, events: 1_000_000, seconds: 10 };
    let database;
    try {
      database = await createBenchDatabase('bench_users');
    } catch (error) {
      ctx.log(`skipped: ${error.message}`);
      return { metrics: {}, skipped: 'no PostgreSQL server reachable' };
    }
    const service = await startService(ctx.root, database.url).catch(async (error) => {
      await database.drop();
      throw error;
    });
    const definition = protoLoader.loadSync(IDENTITY_PROTO_FILES.map((f) => path.join(PROTO_ROOT, f)), PROTO_LOADER_OPTIONS);
    const UserService = grpc.loadPackageDefinition(definition).defguard.identity.v1.UserService;
    const clients = Array.from({ length: 4 }, () => new UserService(service.grpcAddress, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${CORE_TOKEN}`);
    const call = (client, method, request) => new Promise((resolve, reject) => client[method](request, metadata, (error, response) => (error ? reject(error) : resolve(response))));
    const db = new Client({ connectionString: database.url });

    try {
      await db.connect();

      ctx.log(`loading ${sizes.users} users, ${sizes.groups} groups, ${sizes.users * 3} memberships, ${sizes.events} events`);
      let started = Date.now();
      await db.query(`INSERT INTO groups (name, is_admin) SELECT 'group-' || lpad(g::text, 5, '0'), g = 1 FROM generate_series(1, $1) g`, [sizes.groups]);
      await db.query(
        `INSERT INTO users (username, email, first_name, last_name, source, oidc_issuer, subject)
         SELECT 'user' || lpad(g::text, 7, '0'), 'user' || g || '@example.com', 'First' || g, 'Last' || g, 'OIDC', 'https://idp.example.com', 'sub-' || g
         FROM generate_series(1, $1) g`,
        [sizes.users],
      );
      await db.query(
        `INSERT INTO group_memberships (user_id, group_id)
         SELECT u.id, g.id FROM (SELECT id, row_number() OVER (ORDER BY username) AS n FROM users) u
         JOIN (SELECT id, row_number() OVER (ORDER BY name) AS n FROM groups) g ON g.n IN ((u.n % $1) + 1, ((u.n + 7) % $1) + 1, ((u.n + 13) % $1) + 1)`,
        [sizes.groups],
      );
      // Events shaped like real user.updated payloads (the full User message with its groups).
      await db.query(
        `INSERT INTO change_events (type, entity_id, payload)
         SELECT 'user.updated', u.id::text, jsonb_build_object(
           'id', u.id, 'username', u.username, 'email', u.email, 'first_name', u.first_name, 'last_name', u.last_name, 'phone', NULL,
           'is_active', true, 'is_admin', false, 'subject', u.subject, 'oidc_issuer', u.oidc_issuer, 'directory_id', NULL, 'source', 'OIDC',
           'groups', jsonb_build_array(jsonb_build_object('id', u.id, 'name', 'group-00042', 'is_admin', false, 'directory_id', NULL,
             'created_at', '2025-01-01T00:00:00.000Z', 'updated_at', '2025-01-01T00:00:00.000Z')),
           'created_at', '2025-01-01T00:00:00.000Z', 'updated_at', '2025-01-01T00:00:00.000Z')
         FROM generate_series(1, $1) g JOIN users u ON u.username = 'user' || lpad((1 + g % $2)::text, 7, '0')`,
        [sizes.events, sizes.users],
      );
      await db.query('ANALYZE');
      const loadSeconds = (Date.now() - started) / 1000;
      ctx.log(`loaded in ${loadSeconds.toFixed(1)} s`);
      const ids = (await db.query('SELECT id FROM users ORDER BY random() LIMIT 5000')).rows.map((r) => r.id);

      // Warm-up: JIT, connection pool, plan caches.
      await closedLoop(1000, (i) => call(clients[i % clients.length], 'GetUser', { id: ids[(i * 7919) % ids.length] }));
      const getUser = await closedLoop(sizes.seconds * 1000, (i) => call(clients[i % clients.length], 'GetUser', { id: ids[(i * 7919) % ids.length] }));
      ctx.log(`GetUser: ${getUser.rps.toFixed(0)}/s p50 ${getUser.p50.toFixed(2)} ms p99 ${getUser.p99.toFixed(2)} ms (${getUser.errors} errors)`);

      const pageTokens = [''];
      let token = '';
      for (let i = 0; i < 20; i++) {
        token = (await call(clients[0], 'ListUsers', { page_size: 100, page_token: token })).next_page_token;
        pageTokens.push(token);
      }
      const listUsers = await closedLoop(sizes.seconds * 1000, (i) => call(clients[i % clients.length], 'ListUsers', { page_size: 100, page_token: pageTokens[i % pageTokens.length] }));
      ctx.log(`ListUsers (100 per page): ${listUsers.rps.toFixed(0)}/s p50 ${listUsers.p50.toFixed(2)} ms p99 ${listUsers.p99.toFixed(2)} ms (${listUsers.errors} errors)`);

      // Replay: one consumer from sequence 0 until it has every event; RSS sampled meanwhile.
      const rssSeries = [];
      const rssBefore = serviceMemoryMb(service.pid, 'VmRSS');
      started = Date.now();
      // x on a fixed 0.5 s grid, so the harness can take the median across runs point by point.
      const sampler = setInterval(() => rssSeries.push({ x: Math.round((Date.now() - started) / 500) / 2, y: serviceMemoryMb(service.pid, 'VmRSS') }), 500);
      const replayed = await new Promise((resolve, reject) => {
        let count = 0;
        let last = 0n;
        const stream = clients[0].WatchChanges({ after_sequence: '0' }, metadata);
        stream.on('data', (event) => {
          const sequence = BigInt(event.sequence);
          if (sequence <= last) reject(new Error(`out of order: ${sequence} after ${last}`));
          last = sequence;
          if (++count === sizes.events) {
            stream.cancel();
            resolve(count);
          }
        });
        stream.on('error', (error) => (error.code === grpc.status.CANCELLED ? undefined : reject(error)));
      });
      const replaySeconds = (Date.now() - started) / 1000;
      clearInterval(sampler);
      const rssPeak = Math.max(rssBefore, ...rssSeries.map((p) => p.y));
      ctx.log(`WatchChanges replay: ${replayed} events in ${replaySeconds.toFixed(1)} s = ${(replayed / replaySeconds).toFixed(0)}/s; RSS ${rssBefore.toFixed(0)} -> peak ${rssPeak.toFixed(0)} MB`);

      return {
        metrics: {
          users: sizes.users,
          groups: sizes.groups,
          events: sizes.events,
          load_seconds: loadSeconds,
          get_user_per_s: getUser.rps,
          get_user_p50_ms: getUser.p50,
          get_user_p99_ms: getUser.p99,
          get_user_errors: getUser.errors,
          list_users_per_s: listUsers.rps,
          list_users_p50_ms: listUsers.p50,
          list_users_p99_ms: listUsers.p99,
          list_users_errors: listUsers.errors,
          replay_events_per_s: replayed / replaySeconds,
          replay_rss_growth_mb: rssPeak - rssBefore,
          // Peak includes V8's heap sawtooth; the final sample shows whether anything was retained.
          replay_rss_final_growth_mb: (rssSeries.length ? rssSeries[rssSeries.length - 1].y : rssBefore) - rssBefore,
          service_peak_rss_mb: serviceMemoryMb(service.pid, 'VmHWM'),
        },
        series: [{ label: 'service RSS during WatchChanges replay', points: rssSeries, xLabel: 'seconds', yLabel: 'MB' }],
      };
    } finally {
      clients.forEach((c) => c.close());
      await db.end().catch(() => undefined);
      await service.stop();
      await database.drop();
    }
  },
};
