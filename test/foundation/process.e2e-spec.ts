import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/database/embedded-postgres';
import { testEnvironment } from '../support/app';
import { createTestDatabase } from '../support/database';
import { spawnService } from '../support/service-process';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function health(port: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health`)).status;
  } catch {
    return 0;
  }
}

async function waitForHealth(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await health(port)) === 200) return;
    await sleep(200);
  }
  throw new Error(`the service on port ${port} did not become healthy`);
}

function postmasterPid(dataDir: string): number | undefined {
  const file = path.join(dataDir, 'pg', 'postmaster.pid');
  return fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').split('\n')[0]) : undefined;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the service process', () => {
  it('refuses to start on bad configuration, one line per variable, secrets not echoed', async () => {
    const sut = spawnService({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x', HTTP_PORT: 'abc', ADMIN_TOKEN: 'tiny-secret', CORE_GRPC_TOKEN: 'c'.repeat(20), SECRET_KEY: 'x' });
    expect(await sut.exited).toBe(78);
    const lines = sut.output().trim().split('\n');
    expect(lines).toEqual([
      'Configuration error: HTTP_PORT must be a port number between 0 and 65535 (got "abc")',
      'Configuration error: ADMIN_TOKEN must be at least 16 characters long (value hidden)',
      'Configuration error: SECRET_KEY must be 32 random bytes in base64 (for example: openssl rand -base64 32) (value hidden)',
    ]);
    expect(sut.output()).not.toContain('tiny-secret');
  });

  it('starts against PostgreSQL and stops cleanly on SIGTERM', async () => {
    const db = await createTestDatabase();
    const port = await freePort();
    const sut = spawnService({ ...(await testEnvironment(db.url, { HTTP_PORT: String(port), LOG_LEVEL: 'info' })) });
    try {
      await waitForHealth(port);
      sut.child.kill('SIGTERM');
      expect(await sut.exited).toBe(0);
      expect(sut.output()).toContain('SIGTERM received: finishing in-flight requests');
      expect(sut.output()).toContain('"msg":"stopped"');
    } finally {
      sut.child.kill('SIGKILL');
      await db.drop();
    }
  });

  describe('embedded development mode (no DATABASE_URL)', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'defguard-identity-dev-'));
    fs.chmodSync(dataDir, 0o755);
    let env: Record<string, string>;

    beforeAll(async () => {
      env = { DATA_DIR: dataDir, HTTP_PORT: String(await freePort()), GRPC_PORT: String(await freePort()), EMBEDDED_DB_PORT: String(await freePort()), BIND_ADDRESS: '127.0.0.1', LOG_LEVEL: 'info' };
    });

    afterAll(() => {
      const pid = postmasterPid(dataDir);
      if (pid && alive(pid)) process.kill(pid, 'SIGINT');
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('generates its secrets once (mode 0600), says where, and stops its database on SIGTERM', async () => {
      const sut = spawnService(env);
      await waitForHealth(Number(env.HTTP_PORT), 60_000);
      const secretsFile = path.join(dataDir, 'dev-secrets.json');
      expect(fs.statSync(secretsFile).mode & 0o777).toBe(0o600);
      expect(sut.output()).toContain(`generated SECRET_KEY, ADMIN_TOKEN, CORE_GRPC_TOKEN into ${secretsFile}`);
      const secrets = JSON.parse(fs.readFileSync(secretsFile, 'utf8'));
      expect(sut.output()).not.toContain(secrets.ADMIN_TOKEN);
      const pid = postmasterPid(dataDir)!;
      expect(alive(pid)).toBe(true);
      sut.child.kill('SIGTERM');
      expect(await sut.exited).toBe(0);
      expect(alive(pid)).toBe(false);
    }, 90_000);

    it('reuses the data folder and recovers from a SIGKILL that left PostgreSQL running', async () => {
      const secretsBefore = fs.readFileSync(path.join(dataDir, 'dev-secrets.json'), 'utf8');
      const first = spawnService(env);
      await waitForHealth(Number(env.HTTP_PORT), 60_000);
      const orphan = postmasterPid(dataDir)!;
      first.child.kill('SIGKILL');
      await first.exited;
      expect(alive(orphan)).toBe(true);

      const second = spawnService(env);
      try {
        await waitForHealth(Number(env.HTTP_PORT), 60_000);
        expect(second.output()).toContain(`stopping the embedded PostgreSQL left running by an earlier crash (pid ${orphan})`);
        expect(fs.readFileSync(path.join(dataDir, 'dev-secrets.json'), 'utf8')).toBe(secretsBefore);
        const info = await fetch(`http://127.0.0.1:${env.HTTP_PORT}/api/v1/info`, { headers: { authorization: `Bearer ${JSON.parse(secretsBefore).ADMIN_TOKEN}` } });
        expect(info.status).toBe(200);
      } finally {
        second.child.kill('SIGTERM');
        await second.exited;
      }
    }, 120_000);

    it('takes another port when the embedded database port is busy', async () => {
      const net = await import('node:net');
      const blocker = net.createServer().listen(Number(env.EMBEDDED_DB_PORT), '127.0.0.1');
      await new Promise((resolve) => blocker.once('listening', resolve));
      const sut = spawnService(env);
      try {
        await waitForHealth(Number(env.HTTP_PORT), 60_000);
        expect(sut.output()).toMatch(new RegExp(`port ${env.EMBEDDED_DB_PORT} is taken; the embedded PostgreSQL uses port \\d+ instead`));
      } finally {
        sut.child.kill('SIGTERM');
        await sut.exited;
        blocker.close();
      }
    }, 90_000);
  });
});
