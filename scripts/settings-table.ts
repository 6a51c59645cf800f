// Prints the README's server-settings table from SERVER_SCHEMA (simulator/config.ts), the
// declaration the CLI, the config file, startFleet and POST /servers all validate against:
//   npx tsx scripts/settings-table.ts
// (test/config/readme-settings.test.ts fails while README's generated:server-settings block differs.)
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_SCHEMA } from '../simulator/config.js';
import type { FieldSpec } from '../simulator/schema.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function defaultCell(f: FieldSpec): string {
  if (f.defaultDoc !== undefined) return f.defaultDoc;
  if (f.default === undefined) return '';
  if (Array.isArray(f.default)) return f.default.map((v) => `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``).join(', ');
  return `\`${JSON.stringify(f.default)}\``;
}

export function settingsTable(): string {
  const lines = ['| setting | default | meaning |', '|---|---|---|'];
  for (const [name, f] of Object.entries(SERVER_SCHEMA)) {
    const def = cell(defaultCell(f));
    lines.push(`| \`${name}\` |${def ? ` ${def} ` : ' '}| ${cell(f.doc)} |`);
  }
  return lines.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) console.log(settingsTable());
