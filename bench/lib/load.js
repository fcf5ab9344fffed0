'use strict';
// Shared load generators for the benchmark scenarios.
//
// Both generators run `concurrency` independent loops; each loop sends one request, waits for its
// answer, and sends the next, until the duration has elapsed or the request budget is spent
// (closed-loop load: the measured rate is what the service sustains at that concurrency).
// Latencies are recorded for successful requests only, so fast failures cannot flatter the
// percentiles; failures are counted in `errors`. `rps` is successful requests per second.

const fs = require('node:fs');
const http = require('node:http');

/**
 * @typedef {object} LoadResult
 * @property {number} requests    completed requests (successes + errors)
 * @property {number} errors      failed requests (network error, timeout, or rejected status)
 * @property {number} rps         successful requests per second of wall time
 * @property {number} p50         latency percentiles of successful requests, in ms (NaN if none)
 * @property {number} p90
 * @property {number} p99
 * @property {number} max
 * @property {number} elapsedMs   wall time of the whole run
 * @property {string[]} errorSamples  up to 5 distinct error messages, for diagnosis
 */

/**
 * Nearest-rank percentile of an ascending array (p in [0, 100]). Returns NaN for an empty array.
 * @param {number[]} sorted ascending
 * @param {number} p
 * @returns {number}
 */
function percentile(sorted, p) {
  if (!Array.isArray(sorted) || sorted.length === 0) return NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile p must be within [0, 100], got ${p}`);
  if (p === 0) return sorted[0];
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** @returns {number} milliseconds from a monotonic clock */
function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Runs the closed-loop workers and summarises. `once(i)` performs request number i and resolves
 * to true (success) or false (rejected); a throw counts as an error too.
 * @param {{concurrency?: number, durationMs?: number, total?: number}} opts
 * @param {(i: number) => Promise<boolean>} once
 * @returns {Promise<LoadResult>}
 */
async function runClosedLoop(opts, once) {
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 10));
  const total = opts.total;
  const durationMs = opts.durationMs;
  if (total == null && durationMs == null) throw new Error('give durationMs or a request total');
  /** @type {number[]} */
  const latencies = [];
  /** @type {Set<string>} */
  const errorSamples = new Set();
  let issued = 0;
  let errors = 0;
  const start = nowMs();
  const deadline = durationMs != null ? start + durationMs : Infinity;

  const worker = async () => {
    for (;;) {
      if (total != null && issued >= total) return;
      if (nowMs() >= deadline) return;
      const i = issued++;
      const t0 = nowMs();
      let ok = false;
      try {
        ok = await once(i);
        if (!ok && errorSamples.size < 5) errorSamples.add('rejected response');
      } catch (err) {
        if (errorSamples.size < 5) errorSamples.add(String((err && err.message) || err));
      }
      if (ok) latencies.push(nowMs() - t0);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = nowMs() - start;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length + errors,
    errors,
    rps: elapsedMs > 0 ? latencies.length / (elapsedMs / 1000) : 0,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies.length ? latencies[latencies.length - 1] : NaN,
    elapsedMs,
    errorSamples: [...errorSamples],
  };
}

/**
 * HTTP load with a keep-alive agent (one socket per worker).
 * @param {object} o
 * @param {string | ((i: number) => string)} o.url
 * @param {string} [o.method] default GET
 * @param {Record<string, string>} [o.headers]
 * @param {string | Buffer | object | ((i: number) => (string | Buffer | object))} [o.body]
 *   objects are sent as JSON with content-type application/json
 * @param {number} [o.concurrency] default 10
 * @param {number} [o.durationMs] stop issuing after this long...
 * @param {number} [o.totalRequests] ...or after this many requests (whichever comes first)
 * @param {(status: number) => boolean} [o.isOk] default: status < 400
 * @param {number} [o.timeoutMs] per-request timeout, default 10000
 * @returns {Promise<LoadResult>}
 */
async function httpLoad(o) {
  const concurrency = Math.max(1, Math.floor(o.concurrency ?? 10));
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const method = (o.method || 'GET').toUpperCase();
  const isOk = o.isOk || ((status) => status < 400);
  const timeoutMs = o.timeoutMs ?? 10000;

  /** @param {number} i */
  const once = (i) =>
    new Promise((resolve, reject) => {
      const url = typeof o.url === 'function' ? o.url(i) : o.url;
      let body = typeof o.body === 'function' ? o.body(i) : o.body;
      const headers = { ...(o.headers || {}) };
      if (body != null && typeof body === 'object' && !Buffer.isBuffer(body)) {
        body = JSON.stringify(body);
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
          headers['content-type'] = 'application/json';
        }
      }
      if (body != null) headers['content-length'] = String(Buffer.byteLength(body));
      const req = http.request(url, { method, headers, agent }, (res) => {
        res.on('error', reject);
        res.on('data', () => {}); // drain so the socket returns to the pool
        res.on('end', () => resolve(isOk(res.statusCode || 0)));
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });

  try {
    return await runClosedLoop({ concurrency, durationMs: o.durationMs, total: o.totalRequests }, once);
  } finally {
    agent.destroy();
  }
}

/**
 * Unary gRPC load against a @grpc/grpc-js client (one channel, requests multiplexed on it).
 * @param {object} o
 * @param {any} o.client a generated client, e.g. new pkg.Floor(addr, credentials)
 * @param {string} o.method the unary method name on the client, e.g. 'Ping'
 * @param {object | ((i: number) => object)} [o.request]
 * @param {import('@grpc/grpc-js').Metadata | Record<string, string>} [o.metadata]
 * @param {number} [o.concurrency] default 10
 * @param {number} [o.durationMs]
 * @param {number} [o.total]
 * @param {number} [o.timeoutMs] per-call deadline, default 10000
 * @returns {Promise<LoadResult>}
 */
async function grpcLoad(o) {
  const grpc = require('@grpc/grpc-js');
  if (!o.client || typeof o.client[o.method] !== 'function') {
    throw new Error(`the gRPC client has no method ${o.method}`);
  }
  let metadata = o.metadata;
  if (!(metadata instanceof grpc.Metadata)) {
    const m = new grpc.Metadata();
    for (const [k, v] of Object.entries(metadata || {})) m.set(k, v);
    metadata = m;
  }
  const timeoutMs = o.timeoutMs ?? 10000;
  const fn = o.client[o.method].bind(o.client);
  /** @param {number} i */
  const once = (i) =>
    new Promise((resolve, reject) => {
      const request = typeof o.request === 'function' ? o.request(i) : o.request || {};
      fn(request, metadata, { deadline: Date.now() + timeoutMs }, (/** @type {any} */ err) =>
        err ? reject(err) : resolve(true),
      );
    });
  return runClosedLoop({ concurrency: o.concurrency, durationMs: o.durationMs, total: o.total }, once);
}

/**
 * Reads VmRSS and VmHWM (peak RSS) of a process from /proc, in bytes; null if unavailable.
 * @param {number} pid
 * @returns {{ rssBytes: number, hwmBytes: number } | null}
 */
function readRss(pid) {
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (/** @type {string} */ key) => {
    const m = new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : NaN;
  };
  return { rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM') };
}

/**
 * Runs `fn` while sampling the resident set of process `pid` (the service in a child process, or
 * process.pid). Returns fn's result and:
 *  - peakRssBytes: the highest VmRSS sampled while fn ran (interval `intervalMs`, default 50);
 *  - hwmBytes: the kernel's VmHWM at the end: the true peak, but over the process's lifetime
 *    unless `resetHwm` is set, which first asks the kernel to reset it (write 5 to
 *    /proc/<pid>/clear_refs; `hwmReset` says whether that worked).
 * Linux only; elsewhere the byte counts are NaN.
 * @template T
 * @param {number} pid
 * @param {() => Promise<T>} fn
 * @param {{ intervalMs?: number, resetHwm?: boolean }} [opts]
 * @returns {Promise<{ result: T, peakRssBytes: number, hwmBytes: number, hwmReset: boolean, samples: number }>}
 */
async function measurePeakRss(pid, fn, opts = {}) {
  const intervalMs = opts.intervalMs ?? 50;
  let hwmReset = false;
  if (opts.resetHwm) {
    try {
      fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
      hwmReset = true;
    } catch {
      hwmReset = false;
    }
  }
  let peak = NaN;
  let samples = 0;
  const sample = () => {
    const r = readRss(pid);
    if (r && Number.isFinite(r.rssBytes)) {
      peak = Number.isFinite(peak) ? Math.max(peak, r.rssBytes) : r.rssBytes;
      samples++;
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  try {
    const result = await fn();
    sample();
    const end = readRss(pid);
    return { result, peakRssBytes: peak, hwmBytes: end ? end.hwmBytes : NaN, hwmReset, samples };
  } finally {
    clearInterval(timer);
  }
}

module.exports = { percentile, httpLoad, grpcLoad, measurePeakRss, readRss, runClosedLoop };
