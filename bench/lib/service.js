'use strict';
// What the service scenarios share: a fresh database on a PostgreSQL server, and the compiled
// service (dist/main.js) started in a child process on it, ready when /health answers 200.
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const net = require('node:net');
const path = require('node:path');

const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const CORE_TOKEN = 'bench-core-token-0123456789';
/** BENCH_DATABASE_URL, else DATABASE_URL, else the machine's PostgreSQL. */
const SERVER_URL = process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

async function withAdmin(fn) {
  const { Client } = require('pg');
  const admin = new Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 3000 });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/**
 * A database of its own for one run (never the server's default database), dropped by `drop()`.
 * Rejects with a message naming the server when PostgreSQL is not reachable.
 * @param {string} prefix e.g. 'bench_users'
 */
async function createBenchDatabase(prefix) {
  const name = `${prefix}_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
  try {
    await withAdmin((admin) => admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`));
  } catch (error) {
    throw new Error(`no PostgreSQL to benchmark against at ${SERVER_URL.replace(/\/\/[^@]*@/, '//')} (${error.message}); set BENCH_DATABASE_URL`);
  }
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => undefined) };
}

/**
 * Starts dist/main.js on `databaseUrl` with loopback ports and known tokens; resolves when /health
 * answers 200. `env` adds or overrides variables, `nodeArgs` go before the script.
 */
async function startService(root, databaseUrl, { env = {}, nodeArgs = [] } = {}) {
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, path.join(root, 'dist', 'main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: databaseUrl,
      BIND_ADDRESS: '127.0.0.1',
      HTTP_PORT: String(httpPort),
      GRPC_PORT: String(grpcPort),
      ADMIN_TOKEN,
      CORE_GRPC_TOKEN: CORE_TOKEN,
      SECRET_KEY: crypto.randomBytes(32).toString('base64'),
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  // BENCH_LOG_LEVEL=debug shows the service's own log (e.g. the sync engine's phase timings).
  if (process.env.BENCH_LOG_LEVEL) child.stdout.on('data', (d) => process.stderr.write(d));
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}: ${output.slice(-2000)}`);
    try {
      if ((await fetch(`${httpUrl}/health`)).status === 200) {
        return { child, pid: child.pid, httpUrl, grpcAddress: `127.0.0.1:${grpcPort}`, adminToken: ADMIN_TOKEN, coreToken: CORE_TOKEN, stop: () => stopService(child) };
      }
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`service not ready after 30 s: ${output.slice(-2000)}`);
}

/** SIGTERM (the service's graceful shutdown), SIGKILL after 10 s. */
function stopService(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    child.kill('SIGTERM');
  });
}

module.exports = { ADMIN_TOKEN, CORE_TOKEN, SERVER_URL, freePort, createBenchDatabase, startService, stopService };
