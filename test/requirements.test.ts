// A test that needs a missing program: a loud skip by default, a failure under OLLAMA_SIM_REQUIRE.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { required } from './requirements.js';

const fixture = new URL('./fixtures/needs-missing.ts', import.meta.url).pathname;
const run = (env: Record<string, string>) =>
  execa(process.execPath, ['--import', 'tsx', fixture], { reject: false, env: { ...env, FORCE_COLOR: '0' } });

test('missing and not required: skipped, with a line naming what to install', async () => {
  const r = await run({ OLLAMA_SIM_REQUIRE: '' });
  assert.is(r.exitCode, 0, r.stdout);
  assert.match(r.stdout, 'SKIPPED (needs no-such-program) uses no-such-program: no-such-program is not on PATH. Install it: apt-get install -y no-such-program');
  assert.match(r.stdout, /Skipped:\s+1/);
});

test('missing and required (by name or all): a failure that says how to install it', async () => {
  for (const value of ['no-such-program', 'nginx,no-such-program', 'all']) {
    const r = await run({ OLLAMA_SIM_REQUIRE: value });
    assert.is(r.exitCode, 1, `OLLAMA_SIM_REQUIRE=${value}: ${r.stdout}`);
    assert.match(r.stdout, 'OLLAMA_SIM_REQUIRE makes this a failure. Install it: apt-get install -y no-such-program');
    assert.not.match(r.stdout, 'SKIPPED (needs');
  }
});

test('required() reads the comma list', () => {
  assert.ok(required('nginx', { OLLAMA_SIM_REQUIRE: ' haproxy , nginx' }));
  assert.not.ok(required('nginx', { OLLAMA_SIM_REQUIRE: 'haproxy' }));
  assert.not.ok(required('nginx', {}));
});

test.run();
