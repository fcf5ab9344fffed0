#!/usr/bin/env node
'use strict';
// The benchmark harness.
//   npm run bench                          every scenario in bench/scenarios/
//   npm run bench -- <name> [<name>...]    the named ones
//   --runs N   runs per scenario (default 3), each in a fresh process (bench/run-one.js)
//   --quick    smaller sizes, for a smoke run
//   --list     list the scenarios and exit
// Writes bench/results/<scenario>.json (and .svg when the scenario returns series) and prints a
// table per scenario. Targets are information: exit 0 whether met or not; exit 1 only when a
// scenario crashed, 2 on bad usage.

const { spawn } = require('node:child_process');
const path = require('node:path');
const h = require('./lib/harness');
const { writeChart } = require('./lib/svg-chart');

function usage() {
  return 'usage: node bench/run.js [<scenario>...] [--runs N] [--quick] [--list]';
}

/** @param {string[]} argv */
function parseArgs(argv) {
  const opts = { names: /** @type {string[]} */ ([]), runs: 3, quick: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs' || a.startsWith('--runs=')) {
      const v = a.includes('=') ? a.split('=')[1] : argv[++i];
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--runs needs a positive integer, got ${v}`);
      opts.runs = n;
    } else if (a === '--quick') opts.quick = true;
    else if (a === '--list') opts.list = true;
    else if (a === '--help' || a === '-h') {
      console.log(usage());
      process.exit(0);
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else opts.names.push(a);
  }
  return opts;
}

/**
 * Spawns one run; resolves to the parsed result line plus the run's log.
 * @param {import('./lib/harness').Scenario} s
 * @param {object} options
 * @returns {Promise<{ msg: any, log: string, code: number | null }>}
 */
function runOnce(s, options) {
  const timeoutMs = s.timeoutMs ?? 10 * 60 * 1000;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'run-one.js'), s.name, JSON.stringify(options)], {
      cwd: h.ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let log = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      log += d;
      process.stderr.write(d);
    });
    const timer = setTimeout(() => {
      log += `\n(timed out after ${timeoutMs} ms)\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.split('\n').reverse().find((l) => l.startsWith(h.RESULT_MARKER));
      const otherOut = stdout.split('\n').filter((l) => l && !l.startsWith(h.RESULT_MARKER)).join('\n');
      let msg = null;
      if (line) {
        try {
          msg = JSON.parse(line.slice(h.RESULT_MARKER.length));
        } catch {
          msg = null;
        }
      }
      resolve({ msg, log: otherOut ? `${otherOut}\n${log}` : log, code });
    });
  });
}

/**
 * Runs one scenario `runs` times and writes its result files.
 * @param {import('./lib/harness').Scenario} s
 * @param {{ runs: number, quick: boolean }} opts
 * @param {{ machine: object, commit: string }} env
 */
async function runScenario(s, opts, env) {
  const base = {
    scenario: s.name,
    description: s.description,
    machine: env.machine,
    commit: env.commit,
    date: new Date().toISOString(),
    quick: opts.quick,
  };
  const missing = h.missingRequires(s);
  if (missing.length) {
    const result = {
      ...base,
      status: 'skipped',
      reason: `requires missing: ${missing.join(', ')} (run \`nest build\` or wait for the module)`,
      missing,
      runs: 0,
      metrics: {},
      targets: h.evaluateTargets(s.targets, {}),
      series: [],
    };
    h.writeResult(result);
    return result;
  }

  /** @type {Record<string, number>[]} */
  const runMetrics = [];
  /** @type {any[]} */
  const runSeries = [];
  let error = null;
  for (let i = 0; i < opts.runs; i++) {
    process.stderr.write(`-- ${s.name}: run ${i + 1}/${opts.runs}${opts.quick ? ' (quick)' : ''}\n`);
    const { msg, log, code } = await runOnce(s, { quick: opts.quick, runIndex: i, runs: opts.runs });
    if (msg && msg.skipped) {
      error = `requires went missing during the run: ${msg.missing.join(', ')}`;
      break;
    }
    if (!msg || !msg.ok || code !== 0) {
      const tail = log.trim().split('\n').slice(-15).join('\n');
      error = (msg && msg.error) || `run ${i + 1} exited with code ${code} and no result${tail ? `; last output:\n${tail}` : ''}`;
      break;
    }
    runMetrics.push(msg.metrics);
    runSeries.push(msg.series);
  }

  const units = { ...Object.fromEntries(s.targets.filter((t) => t.unit).map((t) => [t.metric, t.unit])), ...(s.units || {}) };
  const metrics = h.summariseMetrics(runMetrics, units);
  const series = h.mergeSeries(runSeries);
  const result = {
    ...base,
    status: error ? 'failed' : 'ok',
    ...(error ? { error } : {}),
    runs: runMetrics.length,
    metrics,
    targets: h.evaluateTargets(s.targets, metrics),
    series,
  };
  h.writeResult(result);
  if (series.length && !error) {
    writeChart(path.join(h.RESULTS_DIR, `${s.name}.svg`), series, {
      title: s.name,
      subtitle: `median of ${runMetrics.length} run(s); ${env.machine.cpus.count} x ${env.machine.cpus.model}; node ${env.machine.node}`,
      ...(s.chart || {}),
    });
  }
  return result;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${/** @type {Error} */ (err).message}\n${usage()}`);
    return 2;
  }
  const all = h.discoverScenarios();
  if (opts.list) {
    for (const s of all) console.log(`${s.name.padEnd(28)} ${s.description}`);
    return 0;
  }
  const unknown = opts.names.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length) {
    console.error(`unknown scenario(s): ${unknown.join(', ')}\navailable: ${all.map((s) => s.name).join(', ') || '(none)'}`);
    return 2;
  }
  const selected = opts.names.length ? all.filter((s) => opts.names.includes(s.name)) : all;
  const env = { machine: h.machineInfo(), commit: h.gitCommit() };
  console.log(`bench: ${selected.length} scenario(s), ${opts.runs} run(s) each${opts.quick ? ', quick' : ''}; ${env.machine.cpus.count} x ${env.machine.cpus.model}, node ${env.machine.node}, commit ${env.commit}`);

  let crashed = 0;
  const summary = [];
  for (const s of selected) {
    const result = await runScenario(s, opts, env);
    console.log(`\n${h.formatReport(result)}\n   -> ${path.relative(process.cwd(), path.join(h.RESULTS_DIR, `${s.name}.json`))}`);
    if (result.status === 'failed') crashed++;
    const met = result.targets.filter((t) => t.met).length;
    summary.push(`${s.name}: ${result.status}${result.targets.length && result.status !== 'skipped' ? `, targets met ${met}/${result.targets.length}` : ''}`);
  }
  console.log(`\n${summary.join('\n')}`);
  return crashed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err && err.stack ? err.stack : err);
    process.exitCode = 1;
  },
);
