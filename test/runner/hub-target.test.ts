// Hub targets in the runner: `custom` describes any hub with a command template (here the
// reference hub, started the way a user would start their own), the scenario's timings fill the
// placeholders, and bad hub flags are usage errors naming the flag.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenarios } from '../../runner/harness.js';
import { resolveTarget } from '../../runner/targets/index.js';
import { expandTemplate } from '../../runner/targets/custom.js';
import { throwsUsage } from './helpers.js';

const HUB_CMD = `${process.execPath} --import tsx examples/reference-hub/main.ts --port {port} --ttl-ms {ttl_ms} --remove-ms {remove_ms} --max-failures {max_failures} --max-queue {queue_limit} --node-timeout-ms {timeout_ms}`;


test('custom --hub-cmd: the hub starts first, its placeholders get the timings, and hub scenarios judge it', async () => {
  const results = await runScenarios({ hubCmd: HUB_CMD, filter: ['hub-failover-before-first-byte', 'hub-node-moves', 'basic-request'], jobs: 2, handleSignals: false });
  const by = Object.fromEntries(results.map((r) => [r.scenario, r.verdict]));
  assert.is(results[0]!.target, 'custom');
  assert.is(by['hub-failover-before-first-byte']!.status, 'passed', JSON.stringify(by));
  assert.is(by['hub-node-moves']!.status, 'passed', JSON.stringify(by));
  assert.is(by['basic-request']!.status, 'skipped');
});

test('--hub-cmd placeholders expand; {servers:...} has nothing to expand for a hub', () => {
  const ctx = { port: 4000, backends: [], workDir: '/tmp/w', timeoutMs: 2500, hub: { heartbeatMs: 200, ttlMs: 1500, removeMs: 6000, maxFailures: 3, queueLimit: 8 } };
  const target = resolveTarget({ hubCmd: 'myhub --port {port} --ttl {ttl_s} --gone {remove_s} --fails {max_failures} --q {queue_limit} --t {timeout_s}' });
  assert.is(target.hub!.registerUrl(4000), 'http://127.0.0.1:4000');
  assert.is(target.hub!.jobsPath, '/jobs');
  return target.launch(ctx).then((spec) => {
    assert.equal([spec.file, ...spec.args], ['myhub', '--port', '4000', '--ttl', '2', '--gone', '6', '--fails', '3', '--q', '8', '--t', '3']);
    throwsUsage(() => expandTemplate('myhub {nope}', ctx, { ttl_ms: '1' }, '--hub-cmd'), '--hub-cmd: unknown placeholder {nope}');
  });
});

test('--hub-register-url and --hub-jobs-path describe where nodes register and jobs go', () => {
  const target = resolveTarget({ hubCmd: 'myhub --port {port}', hubRegisterUrl: 'http://127.0.0.1:{port}/api', hubJobsPath: '/v2/jobs' });
  assert.is(target.hub!.registerUrl(4100), 'http://127.0.0.1:4100/api');
  assert.is(target.hub!.jobsPath, '/v2/jobs');
});

test('bad hub flags: usage errors naming the flag', () => {
  throwsUsage(() => resolveTarget({ hubCmd: 'myhub' }), '--hub-cmd must contain {port}');
  throwsUsage(() => resolveTarget({ hubCmd: 'myhub {port}', lbCmd: 'lb {port}' }), 'not both');
  throwsUsage(() => resolveTarget({ hubCmd: 'myhub {port}', traitPairs: ['streams=true'] }), '--trait and --traits describe a load balancer');
  throwsUsage(() => resolveTarget({ lbCmd: 'lb {port}', hubJobsPath: '/jobs' }), 'give --hub-cmd');
  throwsUsage(() => resolveTarget({ hubCmd: 'myhub {port}', hubJobsPath: 'jobs' }), '--hub-jobs-path must be a path');
  throwsUsage(() => resolveTarget({ hubCmd: 'myhub {port}', hubRegisterUrl: 'not a url' }), '--hub-register-url must be a URL');
  throwsUsage(() => resolveTarget({ target: 'hub', defects: ['sticky-first'] }), 'unknown for --target hub');
  throwsUsage(() => resolveTarget({ target: 'nginx', defects: ['no-ttl'] }), '--defect applies only to --target reference');
  throwsUsage(() => resolveTarget({ target: 'nginx', defects: ['no-ttl'] }), ' or hub (got --target nginx)');
  throwsUsage(() => resolveTarget({ target: 'hub', hubCmd: 'x {port}' }), 'only to --target custom');
});

test.run();
