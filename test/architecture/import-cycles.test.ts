// No two source files import each other, directly or around a loop (type-only imports count): a new
// cycle fails here with the files and one loop through them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeCycles, findImportCycles } from '../../scripts/import-cycles.js';

test('the source tree has no import cycle', () => {
  const cycles = findImportCycles();
  assert.is(cycles.length, 0, `import cycles:\n${describeCycles(cycles)}`);
});

test('the check finds a cycle made of a type-only import, and names a loop through it', () => {
  const root = mkdtempSync(join(tmpdir(), 'cycles-'));
  try {
    mkdirSync(join(root, 'src', 'sub'), { recursive: true });
    writeFileSync(join(root, 'src', 'a.ts'), "import { b } from './sub/b.js';\nexport const a = () => b;\n");
    writeFileSync(join(root, 'src', 'sub', 'b.ts'), "import type { C } from '../c.js';\nexport const b = (c?: C) => c;\n");
    writeFileSync(join(root, 'src', 'c.ts'), "export type { A } from './a.js';\nexport type C = number;\n");
    writeFileSync(join(root, 'src', 'd.ts'), "import { a } from './a.js';\nexport const d = a;\n");
    const cycles = findImportCycles(root, ['src']);
    assert.is(cycles.length, 1);
    assert.equal(cycles[0].files, ['src/a.ts', 'src/c.ts', 'src/sub/b.ts']);
    assert.equal(cycles[0].loop, ['src/a.ts', 'src/sub/b.ts', 'src/c.ts', 'src/a.ts']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
