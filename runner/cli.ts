// `npm run scenarios -- [flags]`: parses flags, runs the scenarios, reports, and exits
// 0 (every applicable scenario passed), 1 (one failed) or 2 (bad flags or an environment that
// cannot run the target, with what to do). Ctrl-C tears everything down and exits 130; so does
// SIGTERM (143), also when it only reached `npm run scenarios` (the parent watch notices).
import { hideBin, yargs } from '../simulator/cli/yargs.js';
import { watchParent } from '../simulator/lifecycle/parent-watch.js';
import { EnvironmentError, runScenarios, UsageError, type RunOptions } from './harness.js';
import { ConsoleReporter } from './reporters/console.js';
import { JsonReporter } from './reporters/json.js';
import { JunitReporter } from './reporters/junit.js';
import type { Reporter } from './reporters/reporter.js';
import { totals } from './reporters/reporter.js';
import { filterScenarios, loadScenarios, skipReason } from './scenarios.js';
import { HUB_PLACEHOLDERS, PLACEHOLDERS, TRAIT_NAMES } from './targets/custom.js';
import { resolveTarget, TARGET_NAMES } from './targets/index.js';

const EXIT_FAILED = 1;
const EXIT_ENVIRONMENT = 2;

function fail(message: string): never {
  process.stderr.write(`scenarios: ${message}\n`);
  process.exit(EXIT_ENVIRONMENT);
}

function parse(argv: string[]) {
  return yargs(argv)
    .scriptName('npm run scenarios --')
    .usage('$0 [--target NAME] [--filter NAME|TAG ...] [--jobs N] [--reporter console|junit|json] [--out FILE]')
    .option('target', { type: 'string', describe: `load balancer (or hub) under test: ${TARGET_NAMES.join(', ')} (default reference; custom when --lb-cmd or --hub-cmd is given)` })
    .option('lb-bin', { type: 'string', describe: 'the executable of a known target (ollama-load-balancer*, or another nginx/haproxy)' })
    .option('lb-cmd', { type: 'string', describe: `any other load balancer, a command template; placeholders: ${Object.keys(PLACEHOLDERS).join(' ')}` })
    .option('trait', { type: 'string', array: true, default: [] as string[], describe: `custom target: name=value (repeatable); ${TRAIT_NAMES.join(', ')}` })
    .option('traits', { type: 'string', describe: 'custom target: a JSON file {"trait": value}' })
    .option('hub-cmd', { type: 'string', describe: `a hub instead of a load balancer (custom target), a command template; placeholders: ${Object.keys(HUB_PLACEHOLDERS).join(' ')}` })
    .option('hub-register-url', { type: 'string', describe: 'custom hub: the hub_url its node agents get (they POST it + /nodes/heartbeat); default http://127.0.0.1:{port}' })
    .option('hub-jobs-path', { type: 'string', describe: 'custom hub: the path jobs are POSTed to; default /jobs' })
    .option('defect', { type: 'string', array: true, default: [] as string[], describe: 'reference, reference-race and hub targets only: switch on one of their bugs (repeatable)' })
    .option('filter', { type: 'string', array: true, default: [] as string[], describe: 'scenario names or tags (repeatable or comma-separated)' })
    .option('jobs', { type: 'number', default: 1, describe: 'scenarios at once (1 for fixed-port targets)' })
    .option('reporter', { choices: ['console', 'junit', 'json'] as const, default: 'console' as const, describe: 'output format' })
    .option('out', { type: 'string', describe: 'write the junit/json report to FILE (the console summary still goes to stdout)' })
    .option('list', { type: 'boolean', default: false, describe: 'list the scenarios (and which the target skips), run nothing' })
    .option('timeout', { type: 'number', describe: "every scenario's deadline in ms (default: the scenario's own, else 30000)" })
    .option('keep-logs', { type: 'string', describe: 'write each scenario\'s load balancer output to DIR/<scenario>.log' })
    .option('seed', { type: 'number', default: 0, describe: 'seed of the fleets (generated text, ids, probabilistic faults)' })
    .option('scenarios-dir', { type: 'string', describe: 'load scenarios from DIR instead of scenarios/' })
    .option('dashboard', { type: 'boolean', default: false, describe: "print each scenario's fleet dashboard URL as it starts (open it while the scenario runs); the json report carries it" })
    .strict()
    .fail((msg, err) => fail(`${msg ?? err?.message ?? 'bad arguments'} (see --help)`))
    .help()
    .parseSync();
}

function checkNumbers(args: ReturnType<typeof parse>): void {
  if (!Number.isInteger(args.jobs) || args.jobs < 1) fail('--jobs must be a whole number >= 1');
  if (args.timeout !== undefined && (!Number.isInteger(args.timeout) || args.timeout < 1)) fail('--timeout must be a whole number of ms >= 1');
  if (!Number.isInteger(args.seed)) fail('--seed must be a whole number');
}

function reportersFor(kind: 'console' | 'junit' | 'json', out?: string): Reporter[] {
  if (kind === 'console') return [new ConsoleReporter()];
  const file = kind === 'junit' ? new JunitReporter(out) : new JsonReporter(out);
  // Without --out the document owns stdout; with it, the console summary is printed too.
  return out ? [new ConsoleReporter(), file] : [file];
}

async function list(options: RunOptions): Promise<void> {
  const target = resolveTarget(options);
  const scenarios = filterScenarios(await loadScenarios(options.scenariosDir), options.filter);
  for (const s of scenarios) {
    const skip = skipReason(s, target);
    const note = skip === null ? '' : `  (skipped on ${target.name}: ${skip})`;
    process.stdout.write(`${s.name}  [${s.tags.join(', ')}]  ${s.description}${note}\n`);
  }
}

async function main(): Promise<void> {
  // Started through npm, a SIGTERM to npm kills only its `sh -c`: the runner hears of it here and
  // tears down as on its own SIGTERM (the handler runScenarios installs).
  watchParent((why) => {
    process.stderr.write(`scenarios: ${why}\n`);
    process.kill(process.pid, 'SIGTERM');
  });
  const args = parse(hideBin(process.argv));
  checkNumbers(args);
  const options: RunOptions = {
    target: args.target,
    lbBin: args['lb-bin'],
    lbCmd: args['lb-cmd'],
    traitPairs: args.trait,
    traitsFile: args.traits,
    hubCmd: args['hub-cmd'],
    hubRegisterUrl: args['hub-register-url'],
    hubJobsPath: args['hub-jobs-path'],
    defects: args.defect,
    filter: args.filter,
    jobs: args.jobs,
    timeoutMs: args.timeout,
    keepLogs: args['keep-logs'],
    seed: args.seed,
    scenariosDir: args['scenarios-dir'],
    dashboard: args.dashboard,
  };
  if (args.list) return list(options);
  const reporters = reportersFor(args.reporter, args.out);
  const results = await runScenarios({
    ...options,
    onStart: (info) => reporters.forEach((r) => r.onStart?.(info)),
    onScenarioStart: (s) => reporters.forEach((r) => r.onScenarioStart?.(s)),
    // Without the console reporter stdout is the report, so the URLs go to stderr.
    onDashboard: (s, url) => (reporters.some((r) => r.onDashboard) ? reporters.forEach((r) => r.onDashboard?.(s, url)) : process.stderr.write(`[>] ${s.name} dashboard: ${url}\n`)),
    onResult: (res) => reporters.forEach((r) => r.onResult?.(res)),
  });
  for (const r of reporters) await r.onEnd(results);
  process.exitCode = totals(results).failed > 0 ? EXIT_FAILED : 0;
}

main().catch((err) => {
  if (err instanceof UsageError || err instanceof EnvironmentError) fail(err.message);
  process.stderr.write(`scenarios: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(EXIT_ENVIRONMENT);
});
