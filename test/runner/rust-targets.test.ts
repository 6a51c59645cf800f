// The two Rust targets fit the binary they are given (Target.forBinary reads its --help): 1.0.3 with
// our --listen patch gets a free port per scenario, one without it the fixed port 11434 (one scenario
// at a time), and a binary that is not the expected program is an environment error naming it. The
// binaries here are stand-ins that print the real programs' --help lines, so this runs without a
// Rust build; test/scenarios/real-balancers.test.ts runs the real ones.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvironmentError, runScenarios } from '../../runner/harness.js';
import { FIXED_PORT, ollamaLoadBalancerTarget } from '../../runner/targets/ollama-load-balancer.js';
import { ollamaLoadBalancerF3Target } from '../../runner/targets/ollama-load-balancer-f3.js';
import type { LaunchContext, Scenario } from '../../runner/types.js';

// Lines of the real --help outputs (clap 4.0, as Debian's crates build them).
const HELP_103 = ['Usage: ollama_load_balancer [OPTIONS] --server <SERVER>', '  -s, --server <SERVER>', '  -t, --timeout <TIMEOUT>'];
const HELP_LISTEN = ['  -l, --listen <LISTEN>', '          Listening address (added by ollama-sim\'s patch; 1.0.3 always listens on 0.0.0.0:11434)'];
const HELP_F3 = ['  -s, --servers <SERVERS>', '      --server-file <SERVER_FILE>', '      --timeout-ft <TIMEOUT_FT>', '  -l, --listen <LISTEN>'];

const dir = mkdtempSync(join(tmpdir(), 'rust-targets-'));

/** An executable that prints these lines for --help (and exits 0), like the real binary. */
function fakeBinary(name: string, helpLines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\ncat <<'EOF'\n${helpLines.join('\n')}\nEOF\n`);
  chmodSync(file, 0o755);
  return file;
}

const ctx = (binPath: string): LaunchContext => ({ port: 4000, backends: ['http://127.0.0.1:5001', 'http://127.0.0.1:5002'], workDir: dir, timeoutMs: 2500, binPath });
const never: Scenario = { name: 'never', description: 'never runs', tags: [], run: async () => assert.unreachable('no scenario may run') };

async function environmentError(run: Promise<unknown>, text: string): Promise<void> {
  try {
    await run;
  } catch (err) {
    assert.instance(err, EnvironmentError);
    assert.match((err as Error).message, text);
    return;
  }
  assert.unreachable(`expected an EnvironmentError mentioning ${text}`);
}

test('1.0.3 with the --listen patch: a free port per scenario, --listen 127.0.0.1:PORT', async () => {
  const bin = fakeBinary('olb-listen', [...HELP_103, ...HELP_LISTEN]);
  const target = await ollamaLoadBalancerTarget.forBinary!(bin);
  assert.is(target.fixedPort, undefined);
  const spec = await target.launch(ctx(bin));
  assert.equal(spec.args, ['--server', 'http://127.0.0.1:5001=s0', '--server', 'http://127.0.0.1:5002=s1', '--timeout', '3', '--listen', '127.0.0.1:4000']);
  assert.is(spec.file, bin);
});

test('1.0.3 without --listen (as released): fixed port 11434, no --listen argument', async () => {
  const bin = fakeBinary('olb-plain', HELP_103);
  const target = await ollamaLoadBalancerTarget.forBinary!(bin);
  assert.is(target.fixedPort, FIXED_PORT);
  assert.match(target.description, 'fixed port 11434');
  const spec = await target.launch({ ...ctx(bin), port: FIXED_PORT });
  assert.equal(spec.args, ['--server', 'http://127.0.0.1:5001=s0', '--server', 'http://127.0.0.1:5002=s1', '--timeout', '3']);
});

test('a binary that is not the expected program is an environment error, before any scenario runs', async () => {
  const f3 = fakeBinary('f3', HELP_F3);
  const plain = fakeBinary('olb', HELP_103);
  await environmentError(runScenarios({ scenarios: [never], target: 'ollama-load-balancer', lbBin: f3, handleSignals: false }), 'does not look like ollama_load_balancer 1.0.3');
  await environmentError(runScenarios({ scenarios: [never], target: 'ollama-load-balancer-f3', lbBin: plain, handleSignals: false }), 'does not look like the F3 fork');
  await environmentError(runScenarios({ scenarios: [never], target: 'ollama-load-balancer', lbBin: '/bin/false', handleSignals: false }), 'does not look like ollama_load_balancer 1.0.3');
});

test('F3: -l 127.0.0.1:PORT, a server file with URL=NAME lines, --timeout and --timeout-ft in seconds', async () => {
  const bin = fakeBinary('f3-ok', HELP_F3);
  const target = await ollamaLoadBalancerF3Target.forBinary!(bin);
  const spec = await target.launch(ctx(bin));
  const file = join(dir, 'servers.txt');
  assert.equal(spec.args, ['-l', '127.0.0.1:4000', '--server-file', file, '--timeout', '3', '--timeout-ft', '3']);
  assert.is(readFileSync(file, 'utf8'), 'http://127.0.0.1:5001=s0\nhttp://127.0.0.1:5002=s1\n');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
