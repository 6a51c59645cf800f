// The whole scenario pack against the real nginx and HAProxy (Debian packages, configs written by
// runner/targets/{nginx,haproxy}.ts): every scenario's verdict must equal scenarios/verdicts.json,
// the table the README shows. A change in a scenario, a target config or the simulator that flips
// a verdict fails here, naming the scenario, both verdicts and the failure reason. A missing binary
// fails too (CI installs both): a skip would hide exactly what this test is for.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenarios, type ScenarioResult } from '../../runner/harness.js';
import { resolveTarget } from '../../runner/targets/index.js';
import { loadVerdicts, REAL_BALANCERS, type ExpectedVerdict, type RealBalancer } from '../../scenarios/lib/verdicts.js';

const JOBS = 4; // as `npm run scenarios -- --jobs 4`, with which the verdicts were recorded
const INSTALL_HINT = 'install nginx/haproxy (apt-get install -y nginx haproxy) — .ci/run does';

const expected = loadVerdicts();

async function requireInstalled(target: RealBalancer): Promise<void> {
  const unavailable = await resolveTarget({ target }).unavailable({ binPath: undefined });
  if (unavailable !== null) assert.unreachable(`${unavailable}: ${INSTALL_HINT}`);
}

function mismatch(r: ScenarioResult, want: ExpectedVerdict | undefined): string | null {
  const got = r.verdict;
  if (want?.verdict === got.status) return null;
  const why = got.status === 'failed' ? `\n    reason: ${got.reason}\n    ${got.logTail.slice(-8).join('\n    ')}` : got.status === 'skipped' ? `\n    reason: ${got.reason}` : '';
  return `${r.scenario}: expected ${want?.verdict ?? '(not in verdicts.json)'}, got ${got.status}${why}`;
}

for (const target of REAL_BALANCERS) {
  test(`${target}: every scenario's verdict equals scenarios/verdicts.json`, async () => {
    await requireInstalled(target);
    const results = await runScenarios({ target, jobs: JOBS, handleSignals: false });
    const want = expected[target];
    const problems = results.flatMap((r) => mismatch(r, want.get(r.scenario)) ?? []);
    const ran = new Set(results.map((r) => r.scenario));
    for (const name of want.keys()) if (!ran.has(name)) problems.push(`${name}: in verdicts.json but not a scenario of the pack`);
    assert.ok(problems.length === 0, `${target}: ${problems.length} verdict(s) differ from scenarios/verdicts.json (update it and the README table only for a real change in behavior):\n  ${problems.join('\n  ')}`);
  });
}

test.run();
