'use strict';
// Directory sync at scale: the compiled service (`node dist/main.js`) in a child process, with the
// test directory generating 100,000 users, 2,000 groups and 500,000 memberships in memory
// (DIRECTORY_SYNC_TEST_PROVIDER=generate:...; see the README, "Directory sync"). Three runs on one
// fresh database: the first full sync (prefetch creates every account), a second with no change
// (must write nothing), then — after restarting the service with `changed=1` — a run where 1% of
// the users differ (a new last name and one membership moved).
//
// Rows written are PostgreSQL's own counters (pg_stat_user_tables: inserted + updated + deleted
// rows of users, groups, group_memberships, change_events), not the engine's report. The sync run
// record itself (one row in sync_runs) is not counted: it is history, not identity data.
// Database: BENCH_DATABASE_URL or DATABASE_URL (a server where this user may CREATE DATABASE), else 127.0.0.1:5432.

const { measurePeakRss } = require('../lib/load');
const { ADMIN_TOKEN, createBenchDatabase, startService: startCompiledService } = require('../lib/service');

const IDENTITY_TABLES = ['users', 'groups', 'group_memberships', 'change_events'];
const SERVICE_NODE_ARGS = '--max-old-space-size=256';

/** The service with the generated test directory as its provider, the schedule off. */
function startService(root, databaseUrl, testProvider) {
  // V8 grows the heap lazily up to ~2 GB before collecting hard: uncapped, the first sync's
  // garbage shows as ~700 MiB RSS though the live set fits in 256 MiB. Deployments cap the heap
  // (NODE_OPTIONS); the benchmark measures that configuration. Override: BENCH_SERVICE_NODE_ARGS=''.
  const nodeArgs = (process.env.BENCH_SERVICE_NODE_ARGS ?? SERVICE_NODE_ARGS).split(' ').filter(Boolean);
  return startCompiledService(root, databaseUrl, { nodeArgs, env: { DIRECTORY_SYNC_SCHEDULER: 'false', DIRECTORY_SYNC_TEST_PROVIDER: testProvider } });
}

async function runSync(url) {
  const res = await fetch(`${url}/api/v1/directory_sync/run`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({}),
    signal: AbortSignal.timeout(10 * 60 * 1000),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`run answered ${res.status}: ${JSON.stringify(body)}`);
  if (body.status !== 'SUCCEEDED') throw new Error(`run ended ${body.status}: ${body.message}`);
  return body;
}

/** Rows inserted + updated + deleted in the identity tables, and change events, so far. */
async function counters(databaseUrl) {
  const { Client } = require('pg');
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    // A backend flushes its statistics at transaction end at most once a second, else when idle
    // for 10 s (PGSTAT_IDLE_INTERVAL): wait past that so no write goes uncounted.
    await new Promise((r) => setTimeout(r, 11000));
    await c.query('SELECT pg_stat_clear_snapshot()');
    const rows = (
      await c.query(`SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint AS n FROM pg_stat_user_tables WHERE relname = ANY($1)`, [IDENTITY_TABLES])
    ).rows[0].n;
    const events = (await c.query('SELECT count(*)::bigint AS n FROM change_events')).rows[0].n;
    return { rows: Number(rows), events: Number(events) };
  } finally {
    await c.end();
  }
}

module.exports = {
  name: 'sync',
  description: 'Directory sync of 100k users / 2k groups / 500k memberships from the in-memory test directory: first sync, no-change sync, 1% changed',
  requires: ['dist/main.js', 'dist/directory-sync/sync-engine.service.js'],
  targets: [
    { metric: 'first_sync_s', op: '<=', value: 60, unit: 's', label: 'first full sync of 100k users' },
    { metric: 'nochange_rows_written', op: '<=', value: 0, unit: 'rows', label: 'a sync with no change writes no row' },
    { metric: 'nochange_events', op: '<=', value: 0, unit: 'events', label: 'a sync with no change emits no event' },
    { metric: 'service_peak_rss_mb', op: '<=', value: 400, unit: 'MiB', label: 'peak memory of the service' },
  ],
  units: {
    nochange_sync_s: 's',
    changed_sync_s: 's',
    first_rows_written: 'rows',
    first_events: 'events',
    changed_rows_written: 'rows',
    changed_events: 'events',
  },
  chart: { title: 'Directory sync: duration by run', type: 'bar' },
  timeoutMs: 20 * 60 * 1000,

  /** @param {import('../lib/harness').RunContext} ctx */
  async run(ctx) {
    const size = ctx.quick ? { users: 10000, groups: 200, memberships: 50000 } : { users: 100000, groups: 2000, memberships: 500000 };
    const spec = (changed) => `generate:users=${size.users},groups=${size.groups},memberships=${size.memberships},changed=${changed}`;
    const db = await createBenchDatabase('bench_sync');
    const peaks = [];
    const phases = {};
    try {
      // Service 1: the unchanged directory. First sync, then the same again.
      let service = await startService(ctx.root, db.url, spec(0));
      try {
        const measured = await measurePeakRss(/** @type {number} */ (service.child.pid), async () => {
          for (const phase of ['first', 'nochange']) {
            const before = await counters(db.url);
            const t0 = process.hrtime.bigint();
            const run = await runSync(service.httpUrl);
            const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
            const after = await counters(db.url);
            phases[phase] = { seconds, rows: after.rows - before.rows, events: after.events - before.events, counts: run.counts };
            ctx.log(`${phase}: ${seconds.toFixed(1)} s, ${after.rows - before.rows} rows, ${after.events - before.events} events, counts ${JSON.stringify(run.counts)}`);
          }
        });
        peaks.push(measured.hwmBytes);
      } finally {
        await service.stop();
      }
      // Service 2: 1% of the users changed.
      service = await startService(ctx.root, db.url, spec(1));
      try {
        const measured = await measurePeakRss(/** @type {number} */ (service.child.pid), async () => {
          const before = await counters(db.url);
          const t0 = process.hrtime.bigint();
          const run = await runSync(service.httpUrl);
          const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
          const after = await counters(db.url);
          phases.changed = { seconds, rows: after.rows - before.rows, events: after.events - before.events, counts: run.counts };
          ctx.log(`changed: ${seconds.toFixed(1)} s, ${after.rows - before.rows} rows, ${after.events - before.events} events, counts ${JSON.stringify(run.counts)}`);
        });
        peaks.push(measured.hwmBytes);
      } finally {
        await service.stop();
      }
    } finally {
      await db.drop().catch(() => undefined);
    }
    const peak = Math.max(...peaks) / (1024 * 1024);
    ctx.log(`peak RSS ${peak.toFixed(0)} MiB; ${JSON.stringify(phases)}`);
    return {
      metrics: {
        first_sync_s: phases.first.seconds,
        first_rows_written: phases.first.rows,
        first_events: phases.first.events,
        nochange_sync_s: phases.nochange.seconds,
        nochange_rows_written: phases.nochange.rows,
        nochange_events: phases.nochange.events,
        changed_sync_s: phases.changed.seconds,
        changed_rows_written: phases.changed.rows,
        changed_events: phases.changed.events,
        service_peak_rss_mb: peak,
      },
      series: [
        {
          label: 'sync duration',
          points: [
            { x: 1, y: phases.first.seconds },
            { x: 2, y: phases.nochange.seconds },
            { x: 3, y: phases.changed.seconds },
          ],
          xLabel: 'run (1 first, 2 no change, 3 1% changed)',
          yLabel: 'seconds',
        },
      ],
    };
  },
};
