#!/usr/bin/env node
'use strict';
// One run of one scenario, in a fresh process (so RSS numbers are its own):
//   node bench/run-one.js <scenario> '<json options>'
// options: { quick?: boolean, runIndex?: number, runs?: number }
// Prints exactly one line `BENCH_RESULT {"ok":true,"metrics":{...},"series":[...]}` (or
// `{"ok":false,"error":"..."}`) on stdout; anything else on stdout/stderr is logging.
// Exits 0 on success, 1 when the scenario threw, 2 on bad usage.

const fs = require('node:fs');
const path = require('node:path');
const h = require('./lib/harness');

/** @param {object} msg */
function emit(msg) {
  // fs.writeSync so the line is out before process.exit.
  fs.writeSync(1, `\n${h.RESULT_MARKER}${JSON.stringify(msg)}\n`);
}

async function main() {
  const [name, json] = process.argv.slice(2);
  if (!name) {
    process.stderr.write("usage: node bench/run-one.js <scenario> '<json options>'\n");
    process.exit(2);
  }
  const options = json ? JSON.parse(json) : {};
  const scenario = h.discoverScenarios().find((s) => s.name === name);
  if (!scenario) {
    process.stderr.write(`unknown scenario: ${name}\n`);
    process.exit(2);
  }
  const missing = h.missingRequires(scenario);
  if (missing.length) {
    emit({ ok: false, skipped: true, missing });
    process.exit(0);
  }
  const tmpDir = path.join(h.RESULTS_DIR, 'tmp', scenario.name);
  fs.mkdirSync(tmpDir, { recursive: true });
  /** @type {import('./lib/harness').RunContext} */
  const ctx = {
    quick: !!options.quick,
    runIndex: options.runIndex ?? 0,
    runs: options.runs ?? 1,
    root: h.ROOT,
    tmpDir,
    requireDist: (rel) => require(path.resolve(h.ROOT, rel)),
    log: (msg) => process.stderr.write(`[${scenario.name}] ${msg}\n`),
  };
  const out = await scenario.run(ctx);
  if (!out || typeof out.metrics !== 'object') throw new Error('run(ctx) must return { metrics }');
  const metrics = {};
  for (const [k, v] of Object.entries(out.metrics)) {
    if (typeof v !== 'number') throw new Error(`metric ${k} is not a number: ${JSON.stringify(v)}`);
    metrics[k] = v;
  }
  emit({ ok: true, metrics, series: out.series || [] });
}

main().then(
  // A scenario may leave handles open (clients, timers): its result is out, so stop here.
  () => process.exit(0),
  (err) => {
    emit({ ok: false, error: String((err && err.stack) || err) });
    process.exit(1);
  },
);
