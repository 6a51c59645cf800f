// Prints a README verdict table from scenarios/verdicts.json (the file the real-balancers test
// checks the pack against), so the docs cannot drift from the expectation:
//   npx tsx scripts/verdicts-table.ts nginx haproxy                                  (the nginx and HAProxy table)
//   npx tsx scripts/verdicts-table.ts ollama-load-balancer ollama-load-balancer-f3   (the Rust balancers' table)
// With no names, every balancer in verdicts.json.
import { SCENARIOS } from '../scenarios/index.js';
import { loadVerdicts, REAL_BALANCERS, type ExpectedVerdict, type RealBalancer } from '../scenarios/lib/verdicts.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const mark = (v: ExpectedVerdict | undefined): string => (v === undefined ? '(missing)' : v.verdict === 'failed' ? '**failed**' : v.verdict);

const asked = process.argv.slice(2);
const unknown = asked.filter((t) => !(REAL_BALANCERS as readonly string[]).includes(t));
if (unknown.length > 0) {
  console.error(`verdicts-table: unknown balancer(s) ${unknown.join(', ')}; known: ${REAL_BALANCERS.join(', ')}`);
  process.exit(2);
}
const balancers = (asked.length > 0 ? asked : REAL_BALANCERS) as readonly RealBalancer[];

const table = loadVerdicts();
const lines = [`| scenario | ${balancers.join(' | ')} | why (failures and skips; notes on passes) |`, `|---|${balancers.map(() => '---|').join('')}---|`];
// Load-balancer scenarios only: load balancers report the hub scenarios skipped.
for (const { name } of SCENARIOS.filter((s) => s.kind !== 'hub')) {
  const verdicts = balancers.map((t) => table[t].get(name));
  // One explanation when every target has the same one; otherwise each prefixed with its target.
  const whys = balancers.flatMap((t, i) => (verdicts[i]?.why ? [[t, verdicts[i]!.why!] as const] : []));
  const same = whys.length === balancers.length && whys.every(([, w]) => w === whys[0]![1]);
  const why = same ? whys[0]![1] : whys.map(([t, w]) => `${t}: ${w}`).join('<br>');
  lines.push(`| \`${name}\` | ${verdicts.map(mark).join(' | ')} | ${cell(why)} |`);
}
console.log(lines.join('\n'));
