import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEV_SECRETS_FILE, ensureDevSecrets } from './dev-secrets';

describe('ensureDevSecrets', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-secrets-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('generates the missing secrets once into a 0600 file and reuses them', () => {
    const first = ensureDevSecrets(dir, {});
    expect(first.created).toEqual(['SECRET_KEY', 'ADMIN_TOKEN', 'CORE_GRPC_TOKEN']);
    expect(fs.statSync(path.join(dir, DEV_SECRETS_FILE)).mode & 0o777).toBe(0o600);
    expect(ensureDevSecrets(dir, {}).values).toEqual(first.values);
  });

  it('starts on a fresh folder when the environment sets every secret (no file needed)', () => {
    const env = { SECRET_KEY: 'k'.repeat(44), ADMIN_TOKEN: 'admin-token-0123456789', CORE_GRPC_TOKEN: 'core-token-0123456789' };
    const secrets = ensureDevSecrets(path.join(dir, 'fresh'), env);
    expect(secrets.created).toEqual([]);
    expect(secrets.values).toEqual(env);
    expect(fs.existsSync(path.join(dir, 'fresh', DEV_SECRETS_FILE))).toBe(false);
  });
});
