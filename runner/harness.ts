// The harness: for each scenario its own fleet (free ports), its own load balancer process (spawned,
// probed until ready, output captured), the scenario under a deadline, and a teardown that always
// runs. Scenarios run up to --jobs at a time (one at a time for targets with a fixed port).
//
//   const results = await runScenarios({ target: 'reference', defects: ['buffer-streams'], filter: ['streaming-timing'] });
import http from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type Fleet, type ServerOverrides } from '../simulator/index.js';
import { agentDefaults, hubTimings, nodesRegistered } from './hub.js';
import { freeListenPort, isPortFree } from './ports.js';
import { installSignalHandlers, LbProcess, OutputLog, track } from './process.js';
import { reapDirIfRunnerDies } from './reaper.js';
import { filterScenarios, loadScenarios, skipReason } from './scenarios.js';
import { resolveTarget, type TargetOptions } from './targets/index.js';
import type { LaunchContext, Scenario, ScenarioContext, ScenarioResult, Target } from './types.js';

export type { ScenarioResult } from './types.js';
export { UsageError } from './targets/index.js';

const READY_DEADLINE_MS = 10_000;
const PROBE_TRY_MS = 500;
const PROBE_PAUSE_MS = 100;
const LOG_TAIL_LINES = 20;
const DEFAULT_SCENARIO_TIMEOUT_MS = 30_000;
const DEFAULT_LB_TIMEOUT_MS = 2000;
const BIND_FAILURE = /EADDRINUSE|address already in use|cannot listen|bind\(\) to .* failed|cannot bind/i;

/** The environment cannot run the target (binary missing, port taken): exit code 2. */
export class EnvironmentError extends Error {}

export interface RunHooks {
  onStart?(info: { target: Target; scenarios: Scenario[]; jobs: number }): void;
  onScenarioStart?(scenario: Scenario): void;
  /** With `dashboard`: the scenario's fleet is up and its dashboard answers at url until the scenario ends. */
  onDashboard?(scenario: Scenario, url: string): void;
  onResult?(result: ScenarioResult): void;
}

export interface RunOptions extends TargetOptions, RunHooks {
  /** --lb-bin: the executable of a known target. */
  lbBin?: string;
  /** Scenario names or tags. */
  filter?: readonly string[];
  /** Scenarios at once (default 1). */
  jobs?: number;
  /** Overrides every scenario's deadline, in ms. */
  timeoutMs?: number;
  /** Writes <scenario>.log per scenario into this directory. */
  keepLogs?: string;
  seed?: number;
  /** The scenarios to run instead of loading them from scenariosDir (tests inject their own). */
  scenarios?: Scenario[];
  scenariosDir?: string;
  /** Tear everything down and exit 130 on Ctrl-C (default true). */
  handleSignals?: boolean;
  /** Announce each fleet's dashboard (onDashboard) and put its URL in the result. */
  dashboard?: boolean;
}

/** Resolves the target and the scenarios, checks the environment, runs, and returns one result per scenario. */
export async function runScenarios(options: RunOptions = {}): Promise<ScenarioResult[]> {
  const named = resolveTarget(options);
  const scenarios = filterScenarios(options.scenarios ?? (await loadScenarios(options.scenariosDir)), options.filter);
  const unavailable = await named.unavailable({ binPath: options.lbBin });
  if (unavailable !== null && named.whenUnavailable === 'error') throw new EnvironmentError(unavailable);
  const target = unavailable === null ? await fitBinary(named, options.lbBin) : named;
  if (target.fixedPort !== undefined && unavailable === null) await checkFixedPort(target);
  if (options.keepLogs !== undefined) await mkdir(options.keepLogs, { recursive: true }).catch((err) => {
    throw new EnvironmentError(`--keep-logs ${options.keepLogs}: ${(err as Error).message}`);
  });
  const jobs = target.fixedPort !== undefined ? 1 : Math.max(1, options.jobs ?? 1);
  options.onStart?.({ target, scenarios, jobs });

  const interrupted = new AbortController();
  const uninstall = options.handleSignals === false ? () => {} : installSignalHandlers(() => interrupted.abort());
  try {
    return await mapWithLimit(scenarios, jobs, async (scenario) => {
      options.onScenarioStart?.(scenario);
      let dashboard: string | undefined;
      const onFleet = (fleet: Fleet) => {
        if (!options.dashboard || !fleet.controlUrl) return;
        dashboard = `${fleet.controlUrl}/`;
        options.onDashboard?.(scenario, dashboard);
      };
      const verdict = unavailable !== null ? ({ status: 'skipped', reason: unavailable } as const) : await runOne(scenario, target, options, interrupted.signal, onFleet);
      const result: ScenarioResult = { scenario: scenario.name, tags: scenario.tags, target: target.name, verdict, ...(dashboard ? { dashboard } : {}) };
      options.onResult?.(result);
      return result;
    });
  } finally {
    uninstall();
  }
}

/** The variant of the target for the --lb-bin binary (see Target.forBinary). */
async function fitBinary(target: Target, binPath: string | undefined): Promise<Target> {
  if (target.forBinary === undefined || binPath === undefined) return target;
  try {
    return await target.forBinary(binPath);
  } catch (err) {
    throw new EnvironmentError((err as Error).message);
  }
}

async function checkFixedPort(target: Target): Promise<void> {
  const port = target.fixedPort as number;
  if (!(await isPortFree(port))) {
    throw new EnvironmentError(`port ${port} is taken, and ${target.name} always listens there: stop what listens on it (a local Ollama? systemctl stop ollama) and run again`);
  }
}

/** Runs fn over items, at most limit at once; results in item order. */
async function mapWithLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

type Verdict = ScenarioResult['verdict'];

/** One scenario, start to teardown. Never throws: every problem becomes a failed verdict. */
async function runOne(scenario: Scenario, target: Target, options: RunOptions, interrupted: AbortSignal, onFleet: (fleet: Fleet) => void): Promise<Verdict> {
  const skip = skipReason(scenario, target);
  if (skip !== null) return { status: 'skipped', reason: skip };
  const started = Date.now();
  const setup = new Setup(scenario, target, options, onFleet);
  let verdict: Verdict;
  try {
    const ctx = await setup.start();
    await runWithDeadline(scenario, ctx, setup.abort, options.timeoutMs ?? scenario.timeoutMs ?? DEFAULT_SCENARIO_TIMEOUT_MS, interrupted);
    verdict = { status: 'passed', ms: Date.now() - started, ...(setup.findings.length ? { findings: setup.findings } : {}) };
  } catch (err) {
    verdict = { status: 'failed', ms: Date.now() - started, reason: describe(err), logTail: setup.logTail() };
  } finally {
    await setup.teardown();
  }
  return verdict;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & { operator?: string; expects?: unknown; actual?: unknown };
  // uvu's and node's assertion errors: the message alone often hides the values.
  if (e.name === 'Assertion' || e.name === 'AssertionError') {
    const values = 'expects' in e && 'actual' in e ? ` (expected ${JSON.stringify(e.expects)}, got ${JSON.stringify(e.actual)})` : '';
    return `${e.message}${values}`;
  }
  return e.message;
}

class TimeoutError extends Error {}

async function runWithDeadline(scenario: Scenario, ctx: ScenarioContext, abort: AbortController, ms: number, interrupted: AbortSignal): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const onInterrupt = () => abort.abort(new Error('interrupted'));
  interrupted.addEventListener('abort', onInterrupt);
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new TimeoutError(`timed out after ${ms} ms`);
      abort.abort(err);
      reject(err);
    }, ms);
  });
  try {
    await Promise.race([scenario.run(ctx), deadline]);
  } finally {
    clearTimeout(timer);
    interrupted.removeEventListener('abort', onInterrupt);
  }
}

/** The resources of one scenario: work dir, fleet, load balancer; teardown() releases them all. */
class Setup {
  readonly abort = new AbortController();
  private workDir: string | null = null;
  private unreapWorkDir: () => void = () => {};
  private fleet: Fleet | null = null;
  private untrackFleet: () => void = () => {};
  private lb: LbProcess | null = null;
  /** The balancer's output and the runner's notes, in order. */
  private readonly output: OutputLog;
  /** What the scenario reported (ctx.report), shown with its verdict. */
  readonly findings: string[] = [];

  constructor(
    private readonly scenario: Scenario,
    private readonly target: Target,
    private readonly options: RunOptions,
    private readonly onFleet: (fleet: Fleet) => void,
  ) {
    this.output = new OutputLog(options.keepLogs !== undefined);
  }

  async start(): Promise<ScenarioContext> {
    const s = this.scenario;
    this.workDir = await mkdtemp(join(tmpdir(), `ollama-sim-${s.name.replace(/[^\w.-]/g, '_')}-`));
    this.unreapWorkDir = reapDirIfRunnerDies(this.workDir);
    const hub = this.target.hub;
    const launch: LaunchContext = {
      port: 0,
      backends: [],
      workDir: this.workDir,
      binPath: this.options.lbBin,
      timeoutMs: s.lbTimeoutMs ?? DEFAULT_LB_TIMEOUT_MS,
      waitForOutput: (re, ms) => this.lbOrThrow().output.waitFor(re, ms, this.abort.signal),
      ...(hub ? { hub: hubTimings(s) } : {}),
    };
    let fleet: Fleet;
    if (hub) {
      // A hub first: the fleet's node agents register with it, and the scenario starts once it took them all.
      await this.startBalancer(launch);
      fleet = await this.startFleet(agentDefaults(hub, launch.port, launch.hub!));
      await nodesRegistered(fleet, READY_DEADLINE_MS);
    } else {
      fleet = await this.startFleet();
      launch.backends = fleet.urls;
      await this.startBalancer(launch);
    }
    const lbUrl = `http://127.0.0.1:${launch.port}`;
    return {
      fleet,
      lbUrl,
      target: { name: this.target.name, traits: this.target.traits, timeoutMs: launch.timeoutMs },
      addBackend: (settings = {}) => this.addBackend(launch, settings),
      signal: this.abort.signal,
      log: (message) => this.note(message),
      report: (finding) => {
        this.findings.push(finding);
        this.note(`finding: ${finding}`);
      },
      lb: { pid: this.lb?.pid, port: launch.port },
      seed: this.options.seed ?? 0,
      hub: hub ? { ...launch.hub!, jobsUrl: `${lbUrl}${hub.jobsPath}` } : null,
    };
  }

  /** The scenario's fleet on free ports with its control API; `agents`: node-agent settings for every server. */
  private async startFleet(agents?: ServerOverrides): Promise<Fleet> {
    const s = this.scenario;
    const count = s.fleet?.servers ?? 3;
    const fleet = await startFleet({
      servers: Array.from({ length: count }, (_, i) => ({ ...(s.fleet?.perServer?.[i] ?? {}), port: 0 })),
      controlPort: 0,
      seed: this.options.seed ?? 0,
      defaults: agents ? { ...s.fleet?.defaults, ...agents } : s.fleet?.defaults,
    });
    this.fleet = fleet;
    this.untrackFleet = track(() => fleet.stop());
    this.onFleet(fleet);
    return fleet;
  }

  /** Spawns the balancer and waits until it answers; once more on a new port if it lost a bind race. */
  private async startBalancer(launch: LaunchContext): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      launch.port = this.target.fixedPort ?? (await freeListenPort());
      const spec = await this.target.launch(launch);
      this.note(`$ ${[spec.file, ...spec.args].join(' ')}`);
      this.lb = new LbProcess(spec, this.output);
      try {
        await waitReady(this.lb, `http://127.0.0.1:${launch.port}${this.target.readinessPath ?? '/'}`, this.target.readyLine);
        return;
      } catch (err) {
        const lostBindRace = this.lb.exit !== null && this.lb.output.tail(LOG_TAIL_LINES).some((l) => BIND_FAILURE.test(l));
        await this.stopBalancer();
        if (!lostBindRace || attempt >= 2 || this.target.fixedPort !== undefined) throw err;
        this.note(`port ${launch.port} was taken before the balancer bound it; retrying on another port`);
      }
    }
  }

  private async addBackend(launch: LaunchContext, settings: object): Promise<string> {
    if (!this.target.addBackend) throw new Error(`target ${this.target.name} cannot add backends at run time (no discovery)`);
    const server = await (this.fleet as Fleet).addServer({ ...settings, port: 0 });
    launch.backends = [...launch.backends, server.url];
    await this.target.addBackend(launch, server.url);
    return server.url;
  }

  private lbOrThrow(): LbProcess {
    if (!this.lb) throw new Error('the load balancer is not running');
    return this.lb;
  }

  private note(message: string): void {
    this.output.push(`[runner] ${message}`);
  }

  logTail(): string[] {
    return this.output.tail(LOG_TAIL_LINES);
  }

  private async stopBalancer(): Promise<void> {
    const lb = this.lb;
    if (!lb) return;
    this.lb = null;
    await lb.stop();
    this.note(`load balancer (pid ${lb.pid}) ${lb.exit ?? 'stopped'}`);
  }

  /** Always runs; never throws. */
  async teardown(): Promise<void> {
    if (!this.abort.signal.aborted) this.abort.abort(new Error('scenario ended'));
    await this.stopBalancer().catch(() => {});
    await this.fleet?.stop().catch(() => {});
    this.untrackFleet();
    if (this.options.keepLogs !== undefined) {
      const file = join(this.options.keepLogs, `${this.scenario.name.replace(/[^\w.-]/g, '_')}.log`);
      await writeFile(file, (this.output.all ?? []).map((l) => `${l}\n`).join('')).catch(() => {});
    }
    if (this.workDir) await rm(this.workDir, { recursive: true, force: true }).catch(() => {});
    this.unreapWorkDir();
  }
}

/** Ready when the probe gets any HTTP answer or the ready line appears; fails if the process exits first. */
/**
 * Ready means: the target's ready line was printed (when it declares one: a probe could be answered
 * by some other process on the port), or else GET answers. Fails early when the process exits.
 */
async function waitReady(lb: LbProcess, url: string, readyLine?: RegExp): Promise<void> {
  const done = new AbortController();
  const exited = lb.exited.then((how) => {
    throw new Error(`the load balancer ${how} before it was ready`);
  });
  const ready = readyLine ? lb.output.waitFor(readyLine, READY_DEADLINE_MS, done.signal).then(() => {}) : probeUntilAnswer(url, done.signal);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    const what = readyLine ? `print a line matching ${readyLine}` : `answer GET ${url}`;
    timer = setTimeout(() => reject(new Error(`the load balancer did not ${what} within ${READY_DEADLINE_MS} ms`)), READY_DEADLINE_MS);
  });
  try {
    await Promise.race([ready, exited, deadline]);
  } finally {
    clearTimeout(timer);
    done.abort();
    // The losers of the race settle later; nobody awaits them.
    for (const p of [ready, exited]) p.catch(() => {});
  }
}

async function probeUntilAnswer(url: string, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    if (await probeOnce(url)) return;
    await new Promise((r) => setTimeout(r, PROBE_PAUSE_MS));
  }
  throw new Error('probe stopped');
}

/** One GET on a fresh connection (no keep-alive pool left behind); true on any HTTP status. */
function probeOnce(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: PROBE_TRY_MS, headers: { connection: 'close' } }, (res) => {
      res.resume();
      resolve(true);
      req.destroy();
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
