// Prints the README's "nginx and HAProxy verdicts" table from scenarios/verdicts.json (the file the
// real-balancers test checks the pack against), so the docs cannot drift from the expectation:
//   npx tsx scripts/verdicts-table.ts
import { SCENARIOS } from '../scenarios/index.js';
import { loadVerdicts, REAL_BALANCERS, type ExpectedVerdict } from '../scenarios/lib/verdicts.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const mark = (v: ExpectedVerdict | undefined): string => (v === undefined ? '(missing)' : v.verdict === 'failed' ? '**failed**' : v.verdict);

const table = loadVerdicts();
const lines = [`| scenario | ${REAL_BALANCERS.join(' | ')} | why (failures and skips) |`, `|---|${REAL_BALANCERS.map(() => '---|').join('')}---|`];
// Load-balancer scenarios only: nginx and HAProxy report the hub scenarios skipped.
for (const { name } of SCENARIOS.filter((s) => s.kind !== 'hub')) {
  const verdicts = REAL_BALANCERS.map((t) => table[t].get(name));
  // One explanation when every target has the same one; otherwise each prefixed with its target.
  const whys = REAL_BALANCERS.flatMap((t, i) => (verdicts[i]?.why ? [[t, verdicts[i]!.why!] as const] : []));
  const same = whys.length === REAL_BALANCERS.length && whys.every(([, w]) => w === whys[0]![1]);
  const why = same ? whys[0]![1] : whys.map(([t, w]) => `${t}: ${w}`).join('<br>');
  lines.push(`| \`${name}\` | ${verdicts.map(mark).join(' | ')} | ${cell(why)} |`);
}
console.log(lines.join('\n'));
