// The mutation proof shared by the *-mutation tests: run each scenario against the reference
// balancer with the defect it targets and collect every case that did not fail, or failed for
// another reason than the one it must catch.
import { runScenarios, type ScenarioResult } from '../../runner/harness.js';

export interface MutationCase {
  scenario: string;
  defect: string;
  /** What the failure reason must say. */
  reason: RegExp;
}

export const summary = (results: ScenarioResult[]): string =>
  results.map((r) => `${r.scenario}: ${r.verdict.status}${'reason' in r.verdict ? ` (${r.verdict.reason})` : ''}`).join('\n');

/** One line per case that did not fail for its reason; empty when every defect was caught. */
export async function uncaughtDefects(target: 'reference' | 'reference-race', cases: MutationCase[], jobs: number): Promise<string[]> {
  const problems: string[] = [];
  for (const defect of [...new Set(cases.map((c) => c.defect))]) {
    const mine = cases.filter((c) => c.defect === defect);
    const results = await runScenarios({ target, defects: [defect], filter: mine.map((c) => c.scenario), jobs, handleSignals: false });
    for (const c of mine) {
      const verdict = results.find((r) => r.scenario === c.scenario)?.verdict;
      if (verdict?.status !== 'failed') problems.push(`${c.scenario} with --defect ${defect}: ${verdict?.status ?? 'not run'}, expected failed`);
      else if (!c.reason.test(verdict.reason)) problems.push(`${c.scenario} with --defect ${defect} failed for another reason: ${verdict.reason}`);
    }
  }
  return problems;
}
