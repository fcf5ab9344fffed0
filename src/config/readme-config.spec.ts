import fs from 'node:fs';
import path from 'node:path';
import { ENV_SCHEMA } from './config.schema';

describe('README configuration table', () => {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');

  it.each(Object.entries(ENV_SCHEMA))('documents %s with its default', (name, variable) => {
    const defaultCell = 'defaultValue' in variable && variable.defaultValue !== undefined ? `\`${variable.defaultValue}\`` : '—';
    expect(readme).toContain(`| \`${name}\` | ${defaultCell} |`);
  });
});
