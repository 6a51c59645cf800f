// Mutation proof of the hub scenarios: each one passes against the reference hub
// (examples/reference-hub) and fails against the reference hub with the defect it targets, for
// the right reason. Hub scenarios are skipped on load-balancer targets and the other way round.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenarios, type ScenarioResult } from '../../runner/harness.js';
import { SCENARIOS } from '../../scenarios/index.js';

const JOBS = 3;

/** Each hub scenario, the reference hub defect it must catch, and what its failure reason must say. */
const HUB: Array<{ scenario: string; defect: string; reason: RegExp }> = [
  { scenario: 'hub-stale-node', defect: 'no-ttl', reason: /sent no heartbeat for more than the TTL .* yet the hub sent it [1-9]/ },
  { scenario: 'hub-lying-model', defect: 'forget-model-failures', reason: /advertises qwen3:8b but lacks it: .* it got [2-9] of/ },
  { scenario: 'hub-failover-before-first-byte', defect: 'no-failover', reason: /the hub should fail over to :\d+, but the client got status 503/ },
  { scenario: 'hub-least-busy', defect: 'ignore-reported-load', reason: /the least-busy node should get it, but it went to/ },
  { scenario: 'hub-node-moves', defect: 'keep-first-address', reason: /moved from :\d+ to :\d+ .* should be served there, but the journal shows/ },
  { scenario: 'hub-all-nodes-busy', defect: 'queue-drops-oldest', reason: /got no answer within \d+ ms \(lost\)/ },
];

const summary = (results: ScenarioResult[]) =>
  results.map((r) => `${r.scenario}: ${r.verdict.status}${'reason' in r.verdict ? ` (${r.verdict.reason})` : ''}`).join('\n');

test('every hub scenario has a defect that must fail it, and every defect of the hub fails one', async () => {
  const hub = SCENARIOS.filter((s) => s.kind === 'hub').map((s) => s.name).sort();
  assert.equal(hub, HUB.map((c) => c.scenario).sort());
  const { DEFECT_NAMES } = await import('../../examples/reference-hub/defects.js');
  assert.equal([...DEFECT_NAMES].sort(), HUB.map((c) => c.defect).sort());
});

test('the hub scenarios pass against the reference hub; every load-balancer scenario is skipped there', async () => {
  const results = await runScenarios({ target: 'hub', jobs: JOBS, handleSignals: false });
  const hub = results.filter((r) => HUB.some((c) => c.scenario === r.scenario));
  assert.is(hub.length, HUB.length);
  assert.ok(hub.every((r) => r.verdict.status === 'passed'), summary(hub));
  const others = results.filter((r) => !HUB.some((c) => c.scenario === r.scenario));
  assert.ok(others.length > 0 && others.every((r) => r.verdict.status === 'skipped' && /a load-balancer scenario/.test(r.verdict.reason)), summary(others));
});

test('the hub scenarios are skipped against a load balancer', async () => {
  const results = await runScenarios({ target: 'reference', filter: ['hub'], handleSignals: false });
  assert.is(results.length, HUB.length);
  assert.ok(results.every((r) => r.verdict.status === 'skipped' && /a hub scenario/.test(r.verdict.reason)), summary(results));
});

test('each hub scenario fails against the reference hub with its defect, for the right reason', async () => {
  const problems: string[] = [];
  for (const c of HUB) {
    const [result] = await runScenarios({ target: 'hub', defects: [c.defect], filter: [c.scenario], handleSignals: false });
    const verdict = result?.verdict;
    if (verdict?.status !== 'failed') problems.push(`${c.scenario} with --defect ${c.defect}: ${verdict?.status ?? 'not run'}, expected failed`);
    else if (!c.reason.test(verdict.reason)) problems.push(`${c.scenario} with --defect ${c.defect} failed for another reason: ${verdict.reason}`);
  }
  assert.equal(problems, []);
});

test.run();
