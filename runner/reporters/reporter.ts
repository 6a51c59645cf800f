// What every reporter hears from a run.
import type { Scenario, ScenarioResult, Target } from '../types.js';

export interface Reporter {
  onStart?(info: { target: Target; scenarios: Scenario[]; jobs: number }): void;
  onScenarioStart?(scenario: Scenario): void;
  onDashboard?(scenario: Scenario, url: string): void;
  onResult?(result: ScenarioResult): void;
  /** Called once with every result, in scenario order. */
  onEnd(results: ScenarioResult[]): void | Promise<void>;
}

export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
}

export function totals(results: ScenarioResult[]): Totals {
  const count = (status: string) => results.filter((r) => r.verdict.status === status).length;
  return { passed: count('passed'), failed: count('failed'), skipped: count('skipped') };
}
