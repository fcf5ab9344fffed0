'use strict';
// The harness's pure-ish parts: scenario discovery and validation, statistics over runs, result
// files and the console table. bench/run.js wires them together; bench/run-one.js runs one run.

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const BENCH_DIR = path.resolve(__dirname, '..');
const ROOT = path.resolve(BENCH_DIR, '..');
const SCENARIO_DIR = path.join(BENCH_DIR, 'scenarios');
const RESULTS_DIR = path.join(BENCH_DIR, 'results');
/** run-one.js prints exactly one line starting with this marker; everything else is logging. */
const RESULT_MARKER = 'BENCH_RESULT ';

/**
 * @typedef {{ metric: string, op: '<=' | '>=', value: number, unit?: string, label: string }} Target
 * @typedef {{ label: string, points: { x: number, y: number }[], xLabel?: string, yLabel?: string }} Series
 * @typedef {object} Scenario
 * @property {string} name
 * @property {string} description
 * @property {string[]} requires      paths (relative to the repo root) of compiled modules it needs
 * @property {Target[]} targets
 * @property {(ctx: RunContext) => Promise<{ metrics: Record<string, number>, series?: Series[] }>} run
 * @property {Record<string, string>} [units]   optional units of metrics that have no target
 * @property {import('./svg-chart').ChartOptions} [chart]  optional chart options (title, type, logX)
 * @property {number} [timeoutMs]     optional per-run time limit, default 10 minutes
 * @property {string} [file]          set by discovery
 *
 * @typedef {object} RunContext
 * @property {boolean} quick          smaller sizes for a smoke run
 * @property {number} runIndex        0-based index of this run
 * @property {number} runs            how many runs the harness makes
 * @property {string} root            the repo root (absolute)
 * @property {string} tmpDir          a scratch folder for this scenario (bench/results/tmp/<name>)
 * @property {(rel: string) => any} requireDist  require a compiled module by its repo-relative path
 * @property {(msg: string) => void} log          progress to stderr (shown by the harness)
 */

/**
 * Loads every bench/scenarios/*.js, sorted by file name.
 * @param {string} [dir]
 * @returns {Scenario[]}
 */
function discoverScenarios(dir = SCENARIO_DIR) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      const s = require(file);
      const problems = validateScenario(s);
      if (problems.length) throw new Error(`${path.relative(ROOT, file)}: ${problems.join('; ')}`);
      return { ...s, file };
    });
}

/**
 * Checks a scenario module against the contract; returns the problems (empty when valid).
 * @param {any} s
 * @returns {string[]}
 */
function validateScenario(s) {
  const p = [];
  if (!s || typeof s !== 'object') return ['must export an object'];
  if (typeof s.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(s.name)) p.push('name must be kebab-case');
  if (typeof s.description !== 'string' || !s.description) p.push('description is required');
  if (!Array.isArray(s.requires) || s.requires.some((r) => typeof r !== 'string')) p.push('requires must be string[]');
  if (!Array.isArray(s.targets)) p.push('targets must be an array');
  else
    s.targets.forEach((t, i) => {
      if (!t || typeof t.metric !== 'string') p.push(`targets[${i}].metric is required`);
      if (!t || (t.op !== '<=' && t.op !== '>=')) p.push(`targets[${i}].op must be '<=' or '>='`);
      if (!t || typeof t.value !== 'number') p.push(`targets[${i}].value must be a number`);
      if (!t || typeof t.label !== 'string') p.push(`targets[${i}].label is required`);
    });
  if (typeof s.run !== 'function') p.push('run(ctx) is required');
  return p;
}

/**
 * The `requires` paths that do not exist under the repo root.
 * @param {Scenario} s
 * @param {string} [root]
 */
function missingRequires(s, root = ROOT) {
  return s.requires.filter((r) => !fs.existsSync(path.resolve(root, r)));
}

/** @param {number[]} values */
function median(values) {
  const v = [...values].sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/**
 * Per metric over the runs: median, min, max and spread ((max - min) / |median|; 0 when all runs
 * agree, null when the median is 0 and they do not). Non-finite values are left out; a metric
 * with no finite value gets nulls.
 * @param {Record<string, number>[]} runs
 * @param {Record<string, string | undefined>} [units]
 */
function summariseMetrics(runs, units = {}) {
  /** @type {Record<string, {median: number|null, min: number|null, max: number|null, spread: number|null, unit?: string}>} */
  const out = {};
  const names = [...new Set(runs.flatMap((r) => Object.keys(r || {})))];
  for (const name of names) {
    const vals = runs.map((r) => r[name]).filter((v) => typeof v === 'number' && Number.isFinite(v));
    let entry;
    if (!vals.length) entry = { median: null, min: null, max: null, spread: null };
    else {
      const med = median(vals);
      const min = Math.min(...vals);
      const max = Math.max(...vals);
      const spread = max === min ? 0 : med !== 0 ? (max - min) / Math.abs(med) : null;
      entry = { median: med, min, max, spread };
    }
    if (units[name]) entry.unit = units[name];
    out[name] = entry;
  }
  return out;
}

/**
 * Series merged over runs: for each label and x, the median of the runs' y values.
 * @param {(Series[] | undefined)[]} runSeries
 * @returns {Series[]}
 */
function mergeSeries(runSeries) {
  /** @type {Map<string, { s: Series, ys: Map<number, number[]> }>} */
  const byLabel = new Map();
  for (const list of runSeries) {
    for (const s of list || []) {
      if (!byLabel.has(s.label)) byLabel.set(s.label, { s, ys: new Map() });
      const acc = /** @type {{ s: Series, ys: Map<number, number[]> }} */ (byLabel.get(s.label));
      for (const p of s.points || []) {
        if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
        if (!acc.ys.has(p.x)) acc.ys.set(p.x, []);
        /** @type {number[]} */ (acc.ys.get(p.x)).push(p.y);
      }
    }
  }
  return [...byLabel.values()].map(({ s, ys }) => ({
    label: s.label,
    xLabel: s.xLabel,
    yLabel: s.yLabel,
    points: [...ys.entries()].sort((a, b) => a[0] - b[0]).map(([x, v]) => ({ x, y: median(v) })),
  }));
}

/**
 * @param {Target[]} targets
 * @param {ReturnType<typeof summariseMetrics>} metrics
 */
function evaluateTargets(targets, metrics) {
  return targets.map((t) => {
    const m = metrics[t.metric];
    const measured = m && m.median != null ? m.median : null;
    const met = measured != null && (t.op === '<=' ? measured <= t.value : measured >= t.value);
    return { label: t.label, metric: t.metric, op: t.op, value: t.value, unit: t.unit, measured, met };
  });
}

function machineInfo() {
  const cpus = os.cpus();
  return {
    cpus: { model: cpus[0] ? cpus[0].model.trim() : 'unknown', count: cpus.length },
    totalmem: os.totalmem(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/**
 * HEAD's commit, with "-dirty" when tracked files changed or untracked files exist (results and
 * the node_modules link left out, as running the bench must not make the tree dirty).
 */
function gitCommit(root = ROOT) {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const status = execFileSync(
      'git',
      ['status', '--porcelain', '--', '.', ':(exclude)bench/results', ':(exclude)node_modules'],
      { cwd: root, encoding: 'utf8' },
    ).trim();
    return status ? `${head}-dirty` : head;
  } catch {
    return 'unknown';
  }
}

/**
 * Writes bench/results/<name>.json.
 * @param {object} result
 * @param {string} [dir]
 */
function writeResult(result, dir = RESULTS_DIR) {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${/** @type {any} */ (result).scenario}.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}

/** @param {number | null | undefined} v */
function fmt(v) {
  if (v == null || !Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** @param {string[][]} rows */
function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

/**
 * The readable report for one scenario's result.
 * @param {any} result
 */
function formatReport(result) {
  const lines = [];
  const head = `== ${result.scenario} [${result.status.toUpperCase()}]` + (result.status === 'ok' ? ` ${result.runs} run(s)` : '');
  lines.push(head);
  if (result.description) lines.push(`   ${result.description}`);
  if (result.status === 'skipped') {
    lines.push(`   SKIPPED: missing ${result.missing.join(', ')}`);
    return lines.join('\n');
  }
  if (result.status === 'failed') {
    // The first lines of the error; the whole of it is in the result file.
    const err = String(result.error).split('\n');
    lines.push(`   FAILED: ${err.slice(0, 4).join('\n   ')}${err.length > 4 ? '\n   ... (full error in the result file)' : ''}`);
  }
  const names = Object.keys(result.metrics || {});
  if (names.length) {
    const rows = [['metric', 'median', 'min', 'max', 'spread', 'unit']];
    for (const n of names) {
      const m = result.metrics[n];
      rows.push([n, fmt(m.median), fmt(m.min), fmt(m.max), m.spread == null ? '-' : `${(m.spread * 100).toFixed(1)}%`, m.unit || '']);
    }
    lines.push(table(rows).replace(/^/gm, '   '));
  }
  if ((result.targets || []).length) {
    const rows = [['target', 'wanted', 'measured', '']];
    for (const t of result.targets) {
      rows.push([t.label, `${t.metric} ${t.op} ${fmt(t.value)}${t.unit ? ' ' + t.unit : ''}`, fmt(t.measured), t.met ? 'MET' : 'NOT MET']);
    }
    lines.push('');
    lines.push(table(rows).replace(/^/gm, '   '));
  }
  return lines.join('\n');
}

module.exports = {
  BENCH_DIR,
  ROOT,
  SCENARIO_DIR,
  RESULTS_DIR,
  RESULT_MARKER,
  discoverScenarios,
  validateScenario,
  missingRequires,
  median,
  summariseMetrics,
  mergeSeries,
  evaluateTargets,
  machineInfo,
  gitCommit,
  writeResult,
  formatReport,
};
