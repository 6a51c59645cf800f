// README's server-settings table is the one scripts/settings-table.ts prints from SERVER_SCHEMA: a
// setting added or changed without pasting the new table fails here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { settingsTable } from '../../scripts/settings-table.js';

test("README's generated:server-settings block is the table SERVER_SCHEMA prints", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /<!-- generated:server-settings -->\n([\s\S]*?)\n<!-- \/generated:server-settings -->/.exec(readme);
  assert.ok(block, 'README has a generated:server-settings block');
  assert.fixture(block![1], settingsTable(), 'README is stale: paste the output of npx tsx scripts/settings-table.ts');
});

test.run();
