// Prints the README's configuration table from the schema (run after `npm run build`):
//   node scripts/env-table.js
// src/config/readme-config.spec.ts fails when the README and the schema disagree.
const { ENV_SCHEMA } = require('../dist/config/config.schema.js');

for (const [name, variable] of Object.entries(ENV_SCHEMA)) {
  const defaultCell = variable.defaultValue === undefined ? '—' : `\`${variable.defaultValue}\``;
  console.log(`| \`${name}\` | ${defaultCell} | ${variable.description} |`);
}
