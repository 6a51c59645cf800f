// The load balancer as a child process: spawned with execa in its own process group (so a wrapper
// script's or nginx's children die with it), its output kept as lines, and a stop() that always
// ends it: SIGTERM to the group, SIGKILL after 2 s, awaited. A registry of everything alive lets
// Ctrl-C and process exit tear it all down; the reaper kills the group if the runner is SIGKILLed.
import { execa, type ResultPromise } from 'execa';
import { reapGroupIfRunnerDies } from './reaper.js';
import type { LaunchSpec } from './types.js';

const RING_LINES = 200;
const KILL_AFTER_MS = 2000;

export class OutputLog {
  private ring: string[] = [];
  /** Every line, only when asked for (--keep-logs). */
  readonly all: string[] | null;
  private waiters = new Set<{ re: RegExp; resolve: (line: string) => void }>();

  constructor(keepAll: boolean) {
    this.all = keepAll ? [] : null;
  }

  push(line: string): void {
    this.ring.push(line);
    if (this.ring.length > RING_LINES) this.ring.shift();
    this.all?.push(line);
    for (const w of this.waiters) {
      if (!w.re.test(line)) continue;
      this.waiters.delete(w);
      w.resolve(line);
    }
  }

  tail(n: number): string[] {
    return this.ring.slice(-n);
  }

  /** The first line matching re, already seen (in the ring) or still to come; rejects after timeoutMs. */
  waitFor(re: RegExp, timeoutMs: number, signal?: AbortSignal): Promise<string> {
    const seen = this.ring.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        re,
        resolve: (line: string) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no output line matching ${re} within ${timeoutMs} ms`));
      }, timeoutMs);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        reject(new Error('aborted'));
      });
      this.waiters.add(waiter);
    });
  }
}

/** Live things the run must end, whatever happens. */
const live = new Set<{ stop(): Promise<void>; killNow(): void }>();

export class LbProcess {
  readonly output: OutputLog;
  private readonly child: ResultPromise;
  /** Resolves with the exit description once the process is gone (never rejects). */
  readonly exited: Promise<string>;
  private exitInfo: string | null = null;
  private stopping: Promise<void> | null = null;
  private readonly unreap: () => void;

  /** output: where its stdout and stderr lines go (shared by the attempts of one scenario). */
  constructor(spec: LaunchSpec, output: OutputLog) {
    this.output = output;
    this.child = execa(spec.file, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdin: 'ignore',
      buffer: false,
      reject: false,
      detached: true, // its own process group: teardown kills the group, grandchildren included
      cleanup: true,
      forceKillAfterDelay: KILL_AFTER_MS,
    });
    this.pipeLines(this.child.stdout, '');
    this.pipeLines(this.child.stderr, '[stderr] ');
    this.unreap = this.child.pid === undefined ? () => {} : reapGroupIfRunnerDies(this.child.pid);
    this.exited = this.child.then((r) => {
      const how = r.failed && r.code === 'ENOENT' ? `could not start ${spec.file}: ${r.shortMessage}` : r.signal ? `killed by ${r.signal}` : `exited with code ${r.exitCode}`;
      this.exitInfo = how;
      return how;
    });
    live.add(this);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Null while running; how it ended afterwards. */
  get exit(): string | null {
    return this.exitInfo;
  }

  private pipeLines(stream: NodeJS.ReadableStream | null, prefix: string): void {
    if (!stream) return;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) this.output.push(prefix + line.replace(/\r$/, ''));
    });
    stream.on('end', () => partial && this.output.push(prefix + partial));
  }

  /** SIGTERM to the group, SIGKILL after 2 s if anything of it is left; resolves when it is gone. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.exitInfo === null) {
        this.signalGroup('SIGTERM');
        const timer = setTimeout(() => this.signalGroup('SIGKILL'), KILL_AFTER_MS);
        await this.exited;
        clearTimeout(timer);
      }
      // The leader is gone; its group may not be (a child that ignored SIGTERM).
      this.signalGroup('SIGKILL');
      this.unreap();
      live.delete(this);
    })();
    return this.stopping;
  }

  /** Synchronous last resort on process exit. */
  killNow(): void {
    this.signalGroup('SIGKILL');
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }
}

/** Registers something else to stop on teardown (a fleet); returns the unregister function. */
export function track(stop: () => Promise<void>): () => void {
  const entry = { stop, killNow: () => {} };
  live.add(entry);
  return () => live.delete(entry);
}

/** Stops everything still alive; never throws. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((e) => e.stop().catch(() => {})));
  live.clear();
}

/**
 * While a run is in progress: Ctrl-C or SIGTERM aborts the scenarios, stops every process and fleet,
 * and exits 130 (SIGINT) or 143 (SIGTERM). On any other exit, process groups still alive get SIGKILL.
 * Returns the uninstall function.
 */
export function installSignalHandlers(onSignal: () => void): () => void {
  const handle = (signal: NodeJS.Signals) => {
    onSignal();
    process.stderr.write(`\n${signal}: stopping every load balancer and fleet...\n`);
    const code = signal === 'SIGINT' ? 130 : 143;
    void stopAll().finally(() => process.exit(code));
  };
  const onExit = () => {
    for (const e of live) e.killNow();
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
  process.on('exit', onExit);
  return () => {
    process.off('SIGINT', handle);
    process.off('SIGTERM', handle);
    process.off('exit', onExit);
  };
}
