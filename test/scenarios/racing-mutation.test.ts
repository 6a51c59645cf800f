// Mutation proof of the racing scenarios (40+), of the older scenarios that judge a racer
// differently (one-request-one-generation, client-cancel-propagates) and of those that judge a racer
// by the attempt whose bytes the client got (load-spreading, recovery, second-chance, ...): each
// passes against the reference balancer racing on 3 backends (target reference-race) and fails
// against it with the defect it targets, for the right reason. Also: a non-racing target skips the
// racing scenarios, and a racer that declares its losers run on passes with their cost reported.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { runScenarios } from '../../runner/harness.js';
import { SCENARIOS } from '../../scenarios/index.js';
import { summary, uncaughtDefects, type MutationCase } from './mutation.js';

const JOBS = 2; // a 2-core CI machine: each scenario also runs a balancer process and a fleet
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Each scenario, the defect of reference-race that must fail it, and what its failure reason must say. */
const CASES: MutationCase[] = [
  { scenario: 'race-one-stream', defect: 'race-interleave', reason: /lines of another racer's stream were mixed in/ },
  { scenario: 'race-losers-cancelled', defect: 'race-no-cancel', reason: /the loser on :\d+ was still generating \d+ ms after the winner's first token/ },
  { scenario: 'race-slow-first-token', defect: 'race-first-head', reason: /the race should go to :\d+, but the client got .*was the race decided by the response head/ },
  { scenario: 'race-health-steering', defect: 'race-ignore-health', reason: /still took part in [3-6] of the last 6 races/ },
  { scenario: 'one-request-one-generation', defect: 'race-no-cancel', reason: /the loser on :\d+ generated all \d+ tokens to the end/ },
  // The losers are cancelled at the winner's first token, the winner runs on after the client left:
  // judging only the first attempt to end (a loser) would pass this balancer.
  { scenario: 'client-cancel-propagates', defect: 'ignore-client-abort', reason: /every backend attempt of the request to end after the client left.*still running on :\d+/ },
  // Judged by the served attempt (journal writtenSha256): a racer's winners, not the losers it let run.
  { scenario: 'basic-request', defect: 'rewrite-body', reason: /changed the body/ },
  // sticky-first only orders the racers: with every backend racing, who wins is then timing, not a defect.
  { scenario: 'load-spreading', defect: 'race-sticky-tie', reason: /no spreading/ },
  { scenario: 'unreachable-backend', defect: 'no-timeout', reason: /no answer within \d+ ms .*timeout is/ },
  { scenario: 'recovery', defect: 'never-recover', reason: /accepts connections again but served none/ },
  { scenario: 'second-chance', defect: 'never-recover', reason: /recovered from its 500s but served none/ },
  { scenario: 'discovery-new-backend', defect: 'no-discovery', reason: /added at run time .* served none of \d+ requests/ },
];

/** Judged by the served attempt too, but no defect of reference-race fails them: racing masks a refused backend (graceful-shutdown's no-retry). */
const PASS_ONLY = ['graceful-shutdown'];

const RACING = SCENARIOS.filter((s) => s.tags.includes('racing')).map((s) => s.name);

test('every racing scenario has a defect here', () => {
  assert.ok(RACING.length >= 4, RACING.join(', '));
  for (const name of RACING) assert.ok(CASES.some((c) => c.scenario === name), `${name} has no defect in CASES`);
});

test('the racing scenarios and the reviewed ones pass against reference-race', async () => {
  const names = [...new Set([...CASES.map((c) => c.scenario), ...PASS_ONLY])];
  const results = await runScenarios({ target: 'reference-race', filter: names, jobs: JOBS, handleSignals: false });
  assert.is(results.length, names.length);
  assert.ok(results.every((r) => r.verdict.status === 'passed'), summary(results));
});

test('each fails against reference-race with its defect, for the right reason', async () => {
  assert.equal(await uncaughtDefects('reference-race', CASES, JOBS), []);
});

test('a balancer that does not race skips every racing scenario, saying why', async () => {
  const results = await runScenarios({ target: 'reference', filter: RACING, handleSignals: false });
  assert.is(results.length, RACING.length);
  for (const r of results) assert.equal(r.verdict, { status: 'skipped', reason: 'needs racesRequests (sends one request to several backends and keeps the fastest)' }, r.scenario);
});

test('a racer that declares cancelsRaceLosers=false passes with the losers\' cost reported', async () => {
  const results = await runScenarios({
    lbCmd: `node --import tsx ${ROOT}examples/reference-lb/main.ts --port {port} --timeout-ms {timeout_ms} {servers:--backend {url}} --race 3 --defect race-no-cancel`,
    traitPairs: ['racesRequests=true', 'cancelsRaceLosers=false', 'streams=true'],
    filter: ['race-losers-cancelled', 'one-request-one-generation'],
    jobs: JOBS,
    handleSignals: false,
  });
  for (const r of results) {
    assert.is(r.verdict.status, 'passed', summary(results));
    const findings = r.verdict.status === 'passed' ? (r.verdict.findings ?? []) : [];
    assert.ok(findings.length > 0 && findings.every((f) => /the losers ran on \(declared\): \d+ loser\(s\): \d+ tokens written and [\d.]+ s of generation/.test(f)), `${r.scenario}: ${findings.join(' | ')}`);
  }
});

test.run();
