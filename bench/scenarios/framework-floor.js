'use strict';
// The framework floor: a bare NestJS 11 hybrid app (bench/fixtures/floor-app.js) in a child
// process, one GET route and one unary gRPC method. The service's scenarios are read against it:
// what the service costs above these numbers is ours, not Nest's, Express's or grpc-js's.
// The load generator runs in this process, on the same machine: on a 2-core box it competes with
// the app for CPU, as it will in every scenario, so the numbers compare like with like.

const { spawn } = require('node:child_process');
const path = require('node:path');
const { grpcLoad, httpLoad, measurePeakRss } = require('../lib/load');
const { freePort } = require('../lib/service');

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const CONCURRENCY = 20;
const SWEEP = [1, 4, 16, 64];

/** A free loopback port (listen on 0, read it, close). */
/**
 * Starts the floor app; resolves once it prints its ready line.
 * @returns {Promise<{ child: import('node:child_process').ChildProcess, http: number, grpc: number, bootMs: number }>}
 */
async function startFloor() {
  const grpcPort = await freePort();
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [path.join(FIXTURES, 'floor-app.js'), String(grpcPort)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`floor app not ready after 30 s: ${err}`));
    }, 30000);
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /FLOOR_READY (\{.*\})/.exec(out);
      if (m) {
        clearTimeout(timer);
        const ready = JSON.parse(m[1]);
        resolve({ child, http: ready.http, grpc: ready.grpc, bootMs: Number(process.hrtime.bigint() - t0) / 1e6 });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`floor app exited with ${code} before ready: ${err}`));
    });
  });
}

/** @param {import('node:child_process').ChildProcess} child */
function stopFloor(child) {
  return new Promise((resolve) => {
    if (child.exitCode != null || child.signalCode != null) return resolve(undefined);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    child.kill('SIGTERM');
  });
}

/** @param {{ errors: number, requests: number, errorSamples: string[] }} r @param {string} what */
function assertClean(r, what) {
  if (r.errors > 0) throw new Error(`${what}: ${r.errors}/${r.requests} requests failed: ${r.errorSamples.join('; ')}`);
}

module.exports = {
  name: 'framework-floor',
  description: `Bare NestJS 11 app (Express GET + Transport.GRPC unary), closed-loop load at concurrency ${CONCURRENCY}: the floor the service is compared against`,
  requires: [],
  // The floor has no targets: it is what the targets of the other scenarios are read against.
  targets: [],
  units: {
    http_rps: 'req/s',
    http_p50_ms: 'ms',
    http_p99_ms: 'ms',
    grpc_rps: 'req/s',
    grpc_p50_ms: 'ms',
    grpc_p99_ms: 'ms',
    boot_ms: 'ms',
    service_peak_rss_mb: 'MiB',
  },
  chart: { title: 'Framework floor: throughput by concurrency', type: 'line', logX: true },

  /** @param {import('../lib/harness').RunContext} ctx */
  async run(ctx) {
    const grpc = require('@grpc/grpc-js');
    const protoLoader = require('@grpc/proto-loader');
    const durationMs = ctx.quick ? 1000 : 3000;
    // Express reaches steady state after ~1.5 s of load here (JIT): warm up past that.
    const warmupMs = ctx.quick ? 500 : 2000;
    const sweepMs = ctx.quick ? 300 : 1000;

    const floor = await startFloor();
    ctx.log(`floor app pid ${floor.child.pid}: http ${floor.http}, grpc ${floor.grpc}, boot ${floor.bootMs.toFixed(0)} ms`);
    const def = protoLoader.loadSync(path.join(FIXTURES, 'floor.proto'), { keepCase: true, longs: Number });
    const pkg = /** @type {any} */ (grpc.loadPackageDefinition(def)).floor;
    const client = new pkg.Floor(`127.0.0.1:${floor.grpc}`, grpc.credentials.createInsecure());
    const url = `http://127.0.0.1:${floor.http}/floor/ping`;
    const ping = { message: 'ping' };

    try {
      const measured = await measurePeakRss(
        /** @type {number} */ (floor.child.pid),
        async () => {
          // Warm up both paths (JIT, connection setup) before measuring.
          await httpLoad({ url, concurrency: CONCURRENCY, durationMs: warmupMs });
          await grpcLoad({ client, method: 'Ping', request: ping, concurrency: CONCURRENCY, durationMs: warmupMs });

          const httpR = await httpLoad({ url, concurrency: CONCURRENCY, durationMs });
          assertClean(httpR, 'http');
          ctx.log(`http  c=${CONCURRENCY}: ${httpR.rps.toFixed(0)} req/s, p50 ${httpR.p50.toFixed(2)} ms, p99 ${httpR.p99.toFixed(2)} ms`);
          const grpcR = await grpcLoad({ client, method: 'Ping', request: ping, concurrency: CONCURRENCY, durationMs });
          assertClean(grpcR, 'grpc');
          ctx.log(`grpc  c=${CONCURRENCY}: ${grpcR.rps.toFixed(0)} req/s, p50 ${grpcR.p50.toFixed(2)} ms, p99 ${grpcR.p99.toFixed(2)} ms`);

          // Throughput by concurrency, for the chart.
          const httpPts = [];
          const grpcPts = [];
          for (const c of SWEEP) {
            const hr = await httpLoad({ url, concurrency: c, durationMs: sweepMs });
            assertClean(hr, `http sweep c=${c}`);
            httpPts.push({ x: c, y: Math.round(hr.rps) });
            const gr = await grpcLoad({ client, method: 'Ping', request: ping, concurrency: c, durationMs: sweepMs });
            assertClean(gr, `grpc sweep c=${c}`);
            grpcPts.push({ x: c, y: Math.round(gr.rps) });
          }
          return { httpR, grpcR, httpPts, grpcPts };
        },
        { intervalMs: 50 },
      );
      const { httpR, grpcR, httpPts, grpcPts } = measured.result;
      // VmHWM covers the app's whole life (boot + load), which is what a deployment sees.
      const peak = Number.isFinite(measured.hwmBytes) ? measured.hwmBytes : measured.peakRssBytes;
      return {
        metrics: {
          http_rps: httpR.rps,
          http_p50_ms: httpR.p50,
          http_p99_ms: httpR.p99,
          grpc_rps: grpcR.rps,
          grpc_p50_ms: grpcR.p50,
          grpc_p99_ms: grpcR.p99,
          boot_ms: floor.bootMs,
          service_peak_rss_mb: peak / (1024 * 1024),
        },
        series: [
          { label: 'HTTP GET (Express)', points: httpPts, xLabel: 'concurrent clients', yLabel: 'requests / s' },
          { label: 'gRPC unary (grpc-js)', points: grpcPts, xLabel: 'concurrent clients', yLabel: 'requests / s' },
        ],
      };
    } finally {
      client.close();
      await stopFloor(floor.child);
    }
  },
};
