'use strict';
// Builds the demo (npm run demo): compiles scripts/demo.ts and the test peers it uses (the Okta
// org double, the oidc-provider peer) into dist-demo/ with tsc, and copies op-server.mjs (the
// OpenID Provider child process, plain ESM) beside the compiled peer that spawns it.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'scripts', 'tsconfig.demo.json')], {
  cwd: root,
  stdio: 'inherit',
});
const from = path.join(root, 'test', 'support', 'oidc', 'op-server.mjs');
const to = path.join(root, 'dist-demo', 'test', 'support', 'oidc', 'op-server.mjs');
fs.mkdirSync(path.dirname(to), { recursive: true });
fs.copyFileSync(from, to);
