// The proof behind the conformance scenarios: each one passes against the reference balancer and
// fails against the reference balancer with the `--defect` it targets. Runs the real harness in
// process (fleet on free ports, the balancer as a child process); nothing outlives a run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenarios } from '../../runner/harness.js';
import type { Scenario, ScenarioResult } from '../../runner/types.js';
import clientCancel from '../../scenarios/20-client-cancel-propagates.js';
import oneGeneration from '../../scenarios/21-one-request-one-generation.js';
import failoverRefused from '../../scenarios/22-failover-connection-refused.js';
import failoverReset from '../../scenarios/23-failover-reset-before-headers.js';
import failover500 from '../../scenarios/24-failover-http-500.js';
import busy503 from '../../scenarios/25-busy-503.js';
import rateLimited429 from '../../scenarios/26-rate-limited-429.js';
import inbandError from '../../scenarios/27-inband-error-passthrough.js';
import modelAware from '../../scenarios/28-model-aware-routing.js';
import tagsAggregation from '../../scenarios/29-tags-aggregation.js';
import healthBeyondProbes from '../../scenarios/30-health-beyond-probes.js';
import largeBody from '../../scenarios/31-large-request-body.js';
import openaiStreaming from '../../scenarios/32-openai-streaming.js';
import discovery from '../../scenarios/33-discovery-new-backend.js';

/** Each conformance scenario and the reference-lb defect that must make it fail. */
const CASES: Array<[Scenario, string]> = [
  [clientCancel, 'ignore-client-abort'],
  [oneGeneration, 'duplicate-requests'],
  [failoverRefused, 'no-retry'],
  [failoverReset, 'no-retry'],
  [failover500, 'no-retry'],
  [busy503, 'no-retry'],
  [rateLimited429, 'no-retry'],
  [inbandError, 'swallow-inband-error'],
  [modelAware, 'ignore-models'],
  [tagsAggregation, 'tags-first-only'],
  [healthBeyondProbes, 'probe-only-health'],
  [largeBody, 'body-limit-1mb'],
  [openaiStreaming, 'buffer-streams'],
  [discovery, 'no-discovery'],
];

const JOBS = 2; // a 2-core CI machine: each scenario also runs a balancer process and a fleet

function run(scenarios: Scenario[], defects: string[] = []): Promise<ScenarioResult[]> {
  return runScenarios({ target: 'reference', defects, scenarios, jobs: JOBS, handleSignals: false });
}

function explain(r: ScenarioResult): string {
  const v = r.verdict;
  return `${r.scenario}: ${v.status}${v.status === 'failed' ? ` (${v.reason})\n  ${v.logTail.join('\n  ')}` : v.status === 'skipped' ? ` (${v.reason})` : ''}`;
}

test('every conformance scenario passes against the reference balancer', async () => {
  const results = await run(CASES.map(([s]) => s));
  assert.is(results.length, CASES.length);
  const bad = results.filter((r) => r.verdict.status !== 'passed');
  assert.ok(bad.length === 0, `against reference:\n${bad.map(explain).join('\n')}`);
});

const byDefect = new Map<string, Scenario[]>();
for (const [scenario, defect] of CASES) byDefect.set(defect, [...(byDefect.get(defect) ?? []), scenario]);

for (const [defect, scenarios] of byDefect) {
  test(`--defect ${defect} fails ${scenarios.map((s) => s.name).join(', ')}`, async () => {
    const results = await run(scenarios, [defect]);
    assert.is(results.length, scenarios.length);
    const notFailed = results.filter((r) => r.verdict.status !== 'failed');
    assert.ok(notFailed.length === 0, `with --defect ${defect} these should fail:\n${notFailed.map(explain).join('\n')}`);
  });
}

test('every conformance scenario is tagged conformance and has a defect here', () => {
  for (const [s] of CASES) assert.ok(s.tags.includes('conformance'), `${s.name} lacks the conformance tag`);
  assert.is(new Set(CASES.map(([s]) => s.name)).size, CASES.length);
});

test.run();
