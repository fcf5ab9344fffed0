import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { freePort } from '../../src/database/embedded-postgres';

export interface ControllablePostgres {
  /** URL of the `postgres` database. */
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server for good and removes its folder. */
  destroy(): Promise<void>;
}

/** A private PostgreSQL server (embedded binaries) that a test can take down and bring back. */
export async function startControllablePostgres(): Promise<ControllablePostgres> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'defguard-identity-pg-'));
  fs.chmodSync(base, 0o755);
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [path.join(__dirname, 'postgres-server.mjs'), path.join(base, 'data'), String(await freePort())], { stdio: 'pipe' });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  const next = async (): Promise<Record<string, unknown>> => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`the test PostgreSQL process ended: ${stderr.slice(-500)}`);
    const message = JSON.parse(value);
    if (message.error) throw new Error(message.error);
    return message;
  };
  const command = async (name: string) => {
    child.stdin.write(`${name}\n`);
    await next();
  };
  const ready = await next();
  return {
    url: String(ready.url),
    stop: () => command('stop'),
    start: () => command('start'),
    destroy: async () => {
      child.stdin.write('exit\n');
      await new Promise((resolve) => child.once('exit', resolve));
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}
