// The whole scenario pack against the real nginx and HAProxy (Debian packages, configs written by
// runner/targets/{nginx,haproxy}.ts) and the two Rust ollama_load_balancers (built by
// scripts/build-rust-lbs.sh, found through test/rust-lbs.ts): every scenario's verdict must equal
// scenarios/verdicts.json, the tables the README shows. A change in a scenario, a target or the
// simulator that flips a verdict fails here, naming the scenario, both verdicts and the failure
// reason. A missing binary is a loud skip on a developer's machine and a failure in CI
// (OLLAMA_SIM_REQUIRE, test/requirements.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { balancerRequirement, testNeeding, type Requirement } from '../requirements.js';
import { isRustLb, rustLbBin, rustLbRequirement } from '../rust-lbs.js';
import { runScenarios, type ScenarioResult } from '../../runner/harness.js';
import { SCENARIOS } from '../../scenarios/index.js';
import { loadVerdicts, REAL_BALANCERS, type ExpectedVerdict, type RealBalancer } from '../../scenarios/lib/verdicts.js';

const JOBS = 4; // as `npm run scenarios -- --jobs 4`, with which the verdicts were recorded

const expected = loadVerdicts();
const HUB_SCENARIOS = new Set(SCENARIOS.filter((s) => s.kind === 'hub').map((s) => s.name));

function requirement(target: RealBalancer): Requirement {
  return isRustLb(target) ? rustLbRequirement(target) : balancerRequirement(target);
}

function mismatch(r: ScenarioResult, want: ExpectedVerdict | undefined): string | null {
  const got = r.verdict;
  if (want?.verdict === got.status) return null;
  const why = got.status === 'failed' ? `\n    reason: ${got.reason}\n    ${got.logTail.slice(-8).join('\n    ')}` : got.status === 'skipped' ? `\n    reason: ${got.reason}` : '';
  return `${r.scenario}: expected ${want?.verdict ?? '(not in verdicts.json)'}, got ${got.status}${why}`;
}

for (const target of REAL_BALANCERS) {
  await testNeeding(requirement(target), `${target}: every scenario's verdict equals scenarios/verdicts.json`, async () => {
    const lbBin = isRustLb(target) ? rustLbBin(target) : undefined;
    // The hub scenarios judge hubs; a load balancer reports them skipped, and verdicts.json leaves them out.
    const results = (await runScenarios({ target, lbBin, jobs: JOBS, handleSignals: false })).filter((r) => !HUB_SCENARIOS.has(r.scenario));
    const want = expected[target];
    const problems = results.flatMap((r) => mismatch(r, want.get(r.scenario)) ?? []);
    const ran = new Set(results.map((r) => r.scenario));
    for (const name of want.keys()) if (!ran.has(name)) problems.push(`${name}: in verdicts.json but not a scenario of the pack`);
    assert.ok(problems.length === 0, `${target}: ${problems.length} verdict(s) differ from scenarios/verdicts.json (update it and the README table only for a real change in behavior):\n  ${problems.join('\n  ')}`);
  });
}

test.run();
