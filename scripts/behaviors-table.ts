// Prints the README's behavior and targeting tables from the declarations in simulator/behaviors/,
// so the docs cannot drift from the code:  npx tsx scripts/behaviors-table.ts
// (test/behaviors/readme-table.test.ts fails while README's generated:behaviors block differs.)
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BEHAVIORS, TARGETING } from '../simulator/behaviors/registry.js';
import type { FieldSpec, Schema } from '../simulator/schema.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function param(name: string, f: FieldSpec): string {
  const values = f.kind === 'enum' ? ` (${f.values.join(', ')})` : '';
  const def = f.default === undefined ? '' : ` = \`${JSON.stringify(f.default)}\``;
  return `\`${name}\`${def}${values}: ${f.doc}`;
}

function params(schema: Schema): string {
  const entries = Object.entries(schema);
  return entries.length ? entries.map(([n, f]) => param(n, f)).join('<br>') : '(none)';
}

export function behaviorsTable(): string {
  const lines = ['| behavior | acts on | parameters (default) | on the wire |', '|---|---|---|---|'];
  for (const def of BEHAVIORS.values()) {
    const level = typeof def.level === 'function' ? 'request (connection with `on: "accept"`)' : def.level;
    lines.push(`| \`${def.type}\` | ${level} | ${cell(params(def.params))} | ${cell(def.summary)} |`);
  }
  lines.push('', '| targeting field | meaning |', '|---|---|');
  for (const [name, f] of Object.entries(TARGETING)) lines.push(`| \`${name}\` | ${cell(f.doc)} |`);
  return lines.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) console.log(behaviorsTable());
