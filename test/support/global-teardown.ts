import fs from 'node:fs';
import type { EmbeddedPostgres } from '../../src/database/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  const embedded = (globalThis as Record<string, unknown>).__EMBEDDED_TEST_PG__ as { server: EmbeddedPostgres; dir: string } | undefined;
  if (!embedded) return;
  await embedded.server.stop();
  fs.rmSync(embedded.dir, { recursive: true, force: true });
}
