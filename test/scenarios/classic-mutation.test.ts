// Mutation proof of the classic scenarios (01-15): each one passes against the reference balancer
// and fails against the reference balancer with the defect it targets, for the right reason. A
// scenario that no defect can fail proves nothing about the balancer it judges.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenarios } from '../../runner/harness.js';
import { SCENARIOS } from '../../scenarios/index.js';
import { summary, uncaughtDefects, type MutationCase } from './mutation.js';

const JOBS = 4;

/** Each classic scenario, the defect it must catch, and what its failure reason must say. */
const CLASSIC: MutationCase[] = [
  { scenario: 'basic-request', defect: 'rewrite-body', reason: /changed the body/ },
  { scenario: 'load-spreading', defect: 'sticky-first', reason: /no spreading/ },
  { scenario: 'unreachable-backend', defect: 'no-timeout', reason: /no answer within \d+ ms .*timeout is/ },
  { scenario: 'mid-stream-failure', defect: 'fake-done', reason: /done:true .*fabricated end/ },
  { scenario: 'recovery', defect: 'never-recover', reason: /accepts connections again but served none/ },
  { scenario: 'all-backends-busy', defect: 'reject-when-busy', reason: /queueing balancer should serve .*status 503/ },
  { scenario: 'second-chance', defect: 'never-recover', reason: /recovered from its 500s but served none/ },
  { scenario: 'no-backend-available', defect: 'hang-when-none', reason: /no answer within \d+ ms with every backend down/ },
  { scenario: 'get-endpoints', defect: 'chat-only', reason: /GET \/ through the balancer: status 404/ },
  { scenario: 'streaming-timing', defect: 'buffer-streams', reason: /holds tokens back|buffers the stream/ },
  { scenario: 'kv-cache-affinity', defect: 'no-affinity', reason: /not to :\d+ which has it in its KV cache/ },
  { scenario: 'embeddings', defect: 'chat-only', reason: /\/api\/embed .*status 404/ },
  { scenario: 'radio-silence', defect: 'no-timeout', reason: /still waiting \d+ ms .*inactivity timeout/ },
  { scenario: 'rst-mid-stream', defect: 'fake-done', reason: /done:true line although .*reset/ },
  { scenario: 'graceful-shutdown', defect: 'no-retry', reason: /failed although \d+ healthy backends remain/ },
];

test('every classic scenario has a defect that must fail it', () => {
  const classic = SCENARIOS.filter((s) => s.tags.includes('classic')).map((s) => s.name).sort();
  assert.equal(classic, CLASSIC.map((c) => c.scenario).sort());
});

test('the classic scenarios pass against the reference balancer', async () => {
  const results = await runScenarios({ target: 'reference', filter: CLASSIC.map((c) => c.scenario), jobs: JOBS, handleSignals: false });
  assert.is(results.length, CLASSIC.length);
  assert.ok(results.every((r) => r.verdict.status === 'passed'), summary(results));
});

test('each classic scenario fails against the reference balancer with its defect, for the right reason', async () => {
  assert.equal(await uncaughtDefects('reference', CLASSIC, JOBS), []);
});

test.run();
