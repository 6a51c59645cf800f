// JUnit XML for CI systems: one <testsuite> for the target, one <testcase> per scenario; a failure
// carries the reason as its message and the log excerpt as its text.
import { writeFile } from 'node:fs/promises';
import type { ScenarioResult } from '../types.js';
import { totals, type Reporter } from './reporter.js';

export function escapeXml(text: string): string {
  // Characters XML 1.0 forbids (most control characters) are dropped: a log line may hold them.
  return text
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function testcase(r: ScenarioResult): string {
  const v = r.verdict;
  const ms = v.status === 'skipped' ? 0 : v.ms;
  const open = `    <testcase name="${escapeXml(r.scenario)}" classname="${escapeXml(`ollama-sim.${r.target}`)}" time="${seconds(ms)}"`;
  if (v.status === 'passed') {
    if (!v.findings?.length) return `${open}/>`;
    return `${open}>\n      <system-out>${escapeXml(v.findings.join('\n'))}</system-out>\n    </testcase>`;
  }
  if (v.status === 'skipped') return `${open}>\n      <skipped message="${escapeXml(v.reason)}"/>\n    </testcase>`;
  return `${open}>\n      <failure message="${escapeXml(v.reason)}" type="failure">${escapeXml([v.reason, '', ...v.logTail].join('\n'))}</failure>\n    </testcase>`;
}

export function junitXml(results: ScenarioResult[], target: string): string {
  const t = totals(results);
  const time = results.reduce((sum, r) => sum + (r.verdict.status === 'skipped' ? 0 : r.verdict.ms), 0);
  const attrs = `tests="${results.length}" failures="${t.failed}" errors="0" skipped="${t.skipped}" time="${seconds(time)}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="ollama-sim scenarios" ${attrs}>`,
    `  <testsuite name="${escapeXml(target)}" ${attrs}>`,
    ...results.map(testcase),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export class JunitReporter implements Reporter {
  private target = '';

  constructor(private readonly outFile?: string) {}

  onStart(info: { target: { name: string } }): void {
    this.target = info.target.name;
  }

  async onEnd(results: ScenarioResult[]): Promise<void> {
    const xml = junitXml(results, this.target);
    if (this.outFile) await writeFile(this.outFile, xml);
    else process.stdout.write(xml);
  }
}
