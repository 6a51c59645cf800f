// The contracts between the runner, its targets and the scenarios.
import type { Fleet, ServerOverrides } from '../simulator/index.js';

/**
 * What a load balancer does, as far as scenarios care. A scenario that needs a trait the target
 * lacks is reported as skipped with the reason, not failed: a balancer that queues when every
 * backend is busy is not wrong, it has a different policy.
 */
export interface Traits {
  /** Retries another backend on connection errors, resets and 5xx before the first response byte. */
  retriesBeforeFirstByte: boolean;
  /** What it does when every backend is busy: answer 503 itself, or queue/forward and serve later. */
  whenAllBusy: 'reject' | 'queue';
  /** Routes a request only to backends that have its model installed. */
  modelAware: boolean;
  /** Answers GET /api/tags itself with the union of its backends' models. */
  aggregatesTags: boolean;
  /** Sends one client request to several backends and keeps the fastest. */
  racesRequests: boolean;
  /**
   * Racers only: cancels a race's losers once it has a winner (scenarios check how soon). false: the
   * losers run on by design (scenarios report what they cost instead of failing). Not declared: false.
   */
  cancelsRaceLosers?: boolean;
  /** Marks failing backends unhealthy, avoids them, and lets them back in later. */
  healthStates: boolean;
  /** Cuts a backend that goes silent mid-response (an inactivity/read timeout). */
  inactivityTimeout: boolean;
  /** Aborts the upstream request when its client disconnects. */
  cancelsUpstream: boolean;
  /** Picks up backends added at run time. */
  discovery: boolean;
  /** Sends a repeated conversation back to the backend that has it in its KV cache. */
  kvAffinity: boolean;
  /** Passes responses through as they arrive (no buffering). */
  streams: boolean;
  /** Proxies the OpenAI-compatible /v1 endpoints. */
  openaiApi: boolean;
}

/**
 * A hub's timings for one scenario (seed 002: HEARTBEAT_TTL_SECONDS, HEARTBEAT_OFFLINE_SECONDS,
 * NODE_MAX_FAILURES), and how often the scenario's node agents heartbeat.
 */
export interface HubTimings {
  /** heartbeat_interval of every node agent. */
  heartbeatMs: number;
  /** A node silent for this long is offline. */
  ttlMs: number;
  /** A node silent for this long is removed. */
  removeMs: number;
  /** Consecutive failed jobs that make a node degraded. */
  maxFailures: number;
  /** Jobs that may wait for a node when every node is busy (hubs that queue). */
  queueLimit: number;
}

/** How the runner wires a hub: its node agents register with it, jobs go to it. */
export interface HubWiring {
  /** The hub_url every node agent gets (it POSTs {hub_url}/nodes/heartbeat), for the hub listening on `port`. */
  registerUrl(port: number): string;
  /** Path of the hub's job endpoint (POST seed 002's {model, prompt, options, stream}). */
  jobsPath: string;
}

export interface LaunchContext {
  /** Port the load balancer must listen on (chosen free by the runner, or the target's fixedPort). */
  port: number;
  /** Backend base URLs, e.g. http://127.0.0.1:40123. */
  backends: string[];
  /** A fresh directory for config files and logs of this scenario. */
  workDir: string;
  /** --lb-bin, when given. */
  binPath?: string;
  /** Inactivity timeout the scenario asks the balancer to use, in ms (targets round up if needed). */
  timeoutMs: number;
  /** Waits for a line of the balancer's output matching re (e.g. "backend X added" after addBackend). */
  waitForOutput?(re: RegExp, timeoutMs: number): Promise<string>;
  /** Hub targets: the scenario's timings (the hub starts first; `backends` is empty, nodes register). */
  hub?: HubTimings;
}

export interface LaunchSpec {
  file: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

export interface Target {
  name: string;
  description: string;
  traits: Traits;
  /** A port the balancer always listens on; its scenarios then run one at a time. */
  fixedPort?: number;
  /** null when the target can run here; otherwise why not and what to do (e.g. "apt-get install nginx"). */
  unavailable(ctx: { binPath?: string }): Promise<string | null>;
  /** How to start it (may write config files into ctx.workDir). */
  launch(ctx: LaunchContext): Promise<LaunchSpec>;
  /** Path probed with GET until it answers (any HTTP status counts as ready). Default "/". */
  readinessPath?: string;
  /** For discovery: tell the running balancer about a new backend. */
  addBackend?(ctx: LaunchContext, url: string): Promise<void>;
  /**
   * For targets whose flags depend on the binary given with --lb-bin: the variant that fits it (e.g. a
   * fixed port for a build without a listen flag). Rejects, saying why, when it is not that program.
   */
  forBinary?(binPath: string): Promise<Target>;
  /** A stdout/stderr line that also means "ready" (whichever comes first: this line or the probe). */
  readyLine?: RegExp;
  /** 'error' when unavailability means the environment is wrong (exit 2), not a skip. Default 'skip'. */
  whenUnavailable?: 'skip' | 'error';
  /**
   * Set for a hub (seed 002's shape): the runner starts it first, then the fleet as node agents
   * registered with it, and only hub scenarios judge it (load-balancer scenarios are skipped).
   */
  hub?: HubWiring;
}

/** The runner's options that choose and build the target (command-line flags). */
export interface TargetOptions {
  target?: string;
  /** reference only: --defect NAME (repeatable). */
  defects?: readonly string[];
  /** custom only. */
  lbCmd?: string;
  traitPairs?: readonly string[];
  traitsFile?: string;
  /** custom only: a hub instead of a load balancer (--hub-cmd, --hub-register-url, --hub-jobs-path). */
  hubCmd?: string;
  hubRegisterUrl?: string;
  hubJobsPath?: string;
}

/**
 * A target built from flags only it takes (reference: --defect; custom: --lb-cmd, --trait,
 * --traits). A target file exports either a Target or one of these.
 */
export interface TargetFactory {
  name: string;
  /** The options only this target takes, and the flags that set them (for the error when another target is given them). */
  takes: { options: ReadonlyArray<Exclude<keyof TargetOptions, 'target'>>; flags: readonly string[] };
  /** Throws UsageError naming the flag and the allowed values. */
  create(options: TargetOptions): Target;
}

export interface ScenarioContext {
  fleet: Fleet;
  /** Base URL of the load balancer under test. */
  lbUrl: string;
  target: { name: string; traits: Traits; timeoutMs: number };
  /** Adds a simulated server to the fleet and to the balancer (discovery scenarios). */
  addBackend(settings?: ServerOverrides): Promise<string>;
  /** Aborted when the scenario times out or the run is interrupted. */
  signal: AbortSignal;
  log(message: string): void;
  /** A finding shown with the verdict even when the scenario passes (e.g. what a declared policy costs). */
  report(finding: string): void;
  /** The balancer process and port (for scenarios and runner self-tests that check teardown). */
  lb: { pid: number | undefined; port: number };
  /** The run's --seed. */
  seed: number;
  /** Hub targets: the timings the hub was started with and where jobs go; null for a load balancer. */
  hub: (HubTimings & { jobsUrl: string }) | null;
}

export interface Scenario {
  name: string;
  description: string;
  tags: string[];
  /** What it judges: a load balancer (default) or a hub; a target of the other kind reports it skipped. */
  kind?: 'balancer' | 'hub';
  /** Hub scenarios: timings over the defaults (runner/hub.ts). */
  hub?: Partial<HubTimings>;
  /** Returns why the target cannot be judged by this scenario (skip), or null. */
  needs?(traits: Traits): string | null;
  /** Servers in the fleet (default 3) and their settings. */
  fleet?: { servers?: number; defaults?: ServerOverrides; perServer?: ServerOverrides[] };
  /** The balancer's inactivity timeout this scenario wants (default 2000 ms). */
  lbTimeoutMs?: number;
  /** Scenario deadline (default 30 s). */
  timeoutMs?: number;
  /** Throws (AssertionError or Error) to fail. */
  run(ctx: ScenarioContext): Promise<void>;
}

export type Verdict =
  | { status: 'passed'; ms: number; findings?: string[] }
  | { status: 'failed'; ms: number; reason: string; logTail: string[] }
  | { status: 'skipped'; reason: string };

export interface ScenarioResult {
  scenario: string;
  tags: string[];
  target: string;
  verdict: Verdict;
  /** With --dashboard: where the scenario's fleet dashboard was served while it ran. */
  dashboard?: string;
}
