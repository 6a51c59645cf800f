// The console reporter: one line per scenario as it ends, the failure's reason and log excerpt under
// it, and the totals. On a terminal a live progress line shows what is running; in CI, plain lines.
//
//   [+] retry-on-reset (812 ms)
//   [+] race-losers-cancelled (2310 ms)
//       finding: the losers ran on (declared): 2 per request, 96 tokens generated for nobody
//   [x] streaming-timing (1503 ms)
//       first chunk arrived after the last was written
//       | listening on http://127.0.0.1:40211
//   [-] all-busy-503 (skipped: needs whenAllBusy=reject)
//   Total: 1 passed, 1 failed, 1 skipped
import type { ScenarioResult } from '../types.js';
import { totals, type Reporter } from './reporter.js';

type Out = { write(text: string): unknown; isTTY?: boolean };

export class ConsoleReporter implements Reporter {
  private readonly running = new Set<string>();
  private done = 0;
  private total = 0;

  constructor(
    private readonly out: Out = process.stdout,
    private readonly live = Boolean(out.isTTY) && !process.env.CI,
  ) {}

  onStart(info: { target: { name: string; description: string }; scenarios: unknown[]; jobs: number }): void {
    this.total = info.scenarios.length;
    this.print(`Target: ${info.target.name} (${info.target.description}); ${info.scenarios.length} scenario(s), ${info.jobs} at a time`);
  }

  onScenarioStart(scenario: { name: string }): void {
    this.running.add(scenario.name);
    this.progress();
  }

  onDashboard(scenario: { name: string }, url: string): void {
    this.print(`[>] ${scenario.name} dashboard: ${url}`);
  }

  onResult(r: ScenarioResult): void {
    this.running.delete(r.scenario);
    this.done++;
    this.print(formatResult(r));
  }

  onEnd(results: ScenarioResult[]): void {
    this.clearProgress();
    const t = totals(results);
    this.out.write(`Total: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped\n`);
  }

  private print(text: string): void {
    this.clearProgress();
    this.out.write(`${text}\n`);
    this.progress();
  }

  private progress(): void {
    if (!this.live || this.running.size === 0) return;
    this.out.write(`[${this.done}/${this.total}] running: ${[...this.running].join(', ')}`.slice(0, 200));
  }

  private clearProgress(): void {
    if (this.live) this.out.write('\r\x1b[K');
  }
}

export function formatResult(r: ScenarioResult): string {
  const v = r.verdict;
  if (v.status === 'passed') return [`[+] ${r.scenario} (${v.ms} ms)`, ...(v.findings ?? []).map((f) => `    finding: ${f}`)].join('\n');
  if (v.status === 'skipped') return `[-] ${r.scenario} (skipped: ${v.reason})`;
  const reason = v.reason.split('\n').map((l) => `    ${l}`);
  const log = v.logTail.length ? ['    last lines of the load balancer log:', ...v.logTail.map((l) => `    | ${l}`)] : [];
  return [`[x] ${r.scenario} (${v.ms} ms)`, ...reason, ...log].join('\n');
}
