// README's behaviors table is the one scripts/behaviors-table.ts prints from the declarations: a
// behavior added or changed without pasting the new table fails here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { behaviorsTable } from '../../scripts/behaviors-table.js';

test("README's generated:behaviors block is the table the declarations print", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /<!-- generated:behaviors -->\n([\s\S]*?)\n<!-- \/generated:behaviors -->/.exec(readme);
  assert.ok(block, 'README has a generated:behaviors block');
  assert.fixture(block![1], behaviorsTable(), 'README is stale: paste the output of npx tsx scripts/behaviors-table.ts');
});

test.run();
