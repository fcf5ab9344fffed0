import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const DEV_SECRETS_FILE = 'dev-secrets.json';

const GENERATED = {
  SECRET_KEY: () => randomBytes(32).toString('base64'),
  ADMIN_TOKEN: () => randomBytes(24).toString('base64url'),
  CORE_GRPC_TOKEN: () => randomBytes(24).toString('base64url'),
} as const;

type DevSecretName = keyof typeof GENERATED;

export interface DevSecrets {
  file: string;
  /** The values to use where the environment gives none. */
  values: Record<DevSecretName, string>;
  /** Which names were created by this call (first start). */
  created: DevSecretName[];
}

/**
 * Embedded (development) mode only: the secrets the operator did not set are generated once into
 * `<DATA_DIR>/dev-secrets.json` (mode 0600) and reused on every later start, so the encrypted
 * provider secrets stay readable and the admin token stays stable across restarts.
 */
export function ensureDevSecrets(dataDir: string, env: Record<string, string | undefined>): DevSecrets {
  const file = path.join(dataDir, DEV_SECRETS_FILE);
  // The folder stays traversable: the embedded database runs as the OS user `postgres` inside it.
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const stored: Partial<Record<DevSecretName, string>> = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  const created: DevSecretName[] = [];
  for (const name of Object.keys(GENERATED) as DevSecretName[]) {
    if (!stored[name] && !env[name]) {
      stored[name] = GENERATED[name]();
      created.push(name);
    }
  }
  if (created.length > 0) {
    fs.writeFileSync(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
  }
  // Every secret may come from the environment: then there is no file to write (nor to tighten).
  if (fs.existsSync(file)) fs.chmodSync(file, 0o600);
  const values = {} as Record<DevSecretName, string>;
  for (const name of Object.keys(GENERATED) as DevSecretName[]) values[name] = env[name] || stored[name]!;
  return { file, values, created };
}
