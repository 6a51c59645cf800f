// The generated member lists (all.ts) of behaviors, cuts, control endpoints, targets and scenarios
// name exactly the files of their folders: a new file that was not registered fails here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { members, REGISTRIES, renderList, staleRegistries, type Registry } from '../../scripts/registries.js';

test('every registry list names exactly the files of its folder', () => {
  const stale = staleRegistries().map((r) => `${r.dir}/all.ts`);
  assert.equal(stale, [], `stale: ${stale.join(', ')}; run npm run registries and commit the lists`);
});

test('a list keeps its order, appends a new file, drops a deleted one, and is stale until rewritten', () => {
  const root = mkdtempSync(join(tmpdir(), 'registry-'));
  try {
    const registry: Registry = { ...REGISTRIES.find((r) => r.dir === 'simulator/cuts')!, dir: '.' };
    for (const f of ['types.ts', 'registry.ts', 'zeta.ts', 'alpha.ts', 'new-one.ts']) writeFileSync(join(root, f), 'export default {};\n');
    writeFileSync(join(root, 'all.ts'), "import zeta from './zeta.js';\nimport gone from './gone.js';\nimport alpha from './alpha.js';\n");
    assert.equal(members(registry, root), ['zeta.ts', 'alpha.ts', 'new-one.ts']);
    const text = renderList(registry, root);
    assert.ok(text.includes("import zeta from './zeta.js';\nimport alpha from './alpha.js';\nimport newOne from './new-one.js';\n"), text);
    assert.ok(text.includes('export const CUTS = [\n  zeta,\n  alpha,\n  newOne,\n] as const;'), text);
    assert.not.ok(text.includes('gone'));
    assert.equal(staleRegistries(root, [registry]), [registry], 'stale before it is rewritten');
    writeFileSync(join(root, 'all.ts'), text);
    assert.equal(staleRegistries(root, [registry]), [], 'up to date once written');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
