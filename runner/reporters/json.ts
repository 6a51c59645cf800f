// JSON for tools: the target, every result (verdicts as in runner/types.ts) and the totals.
import { writeFile } from 'node:fs/promises';
import type { ScenarioResult } from '../types.js';
import { totals, type Reporter } from './reporter.js';

export function jsonReport(results: ScenarioResult[], target: string): string {
  return `${JSON.stringify({ target, totals: totals(results), results }, null, 2)}\n`;
}

export class JsonReporter implements Reporter {
  private target = '';

  constructor(private readonly outFile?: string) {}

  onStart(info: { target: { name: string } }): void {
    this.target = info.target.name;
  }

  async onEnd(results: ScenarioResult[]): Promise<void> {
    const text = jsonReport(results, this.target);
    if (this.outFile) await writeFile(this.outFile, text);
    else process.stdout.write(text);
  }
}
