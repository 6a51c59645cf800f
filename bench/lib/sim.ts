// Starts the simulator under measurement in its own process: the built CLI
// (`node dist/simulator/cli.js`, see ensureBuilt) with a control port, a port range and a config
// file. Ready means every server port answered GET /api/version.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitAllAnswering } from './http.js';
import { freePort, freePortRange, rangeSpec } from './ports.js';
import { runToEnd, spawnTracked, stopChild } from './procs.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'simulator', 'cli.js');
export const MODEL = 'llama3.2:latest';

/** Server settings every bench fleet starts from: 50 tok/s, 20 tokens, no queueing, no load time. */
export const PACED_DEFAULTS = { tokens_per_sec: 50, num_tokens: 20, num_parallel: 1000, max_queue: 10_000, load_ms: 0, models: [MODEL] };

export interface Sim {
  child: ChildProcess;
  pid: number;
  ports: number[];
  urls: string[];
  controlPort: number;
  /** ms from spawn to every port answering. */
  readyMs: number;
  stop(): Promise<void>;
}

export interface SimOptions {
  servers: number;
  defaults?: Record<string, unknown>;
  nodeArgs?: string[];
  timeoutMs?: number;
  /** --workers N (absent: the default, every server in one thread). */
  workers?: number;
  /** The built CLI to start (default the work tree's dist/simulator/cli.js). */
  cli?: string;
}

/**
 * Compiles simulator/ to dist/ (`tsc -p tsconfig.json`, what `npm run build` does). Type errors
 * elsewhere in the tree do not stop tsc from emitting, so only a missing cli.js is fatal.
 */
export async function ensureBuilt(skip: boolean): Promise<string> {
  if (!skip) {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const child = spawnTracked(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.json')], { cwd: ROOT });
    try {
      await runToEnd(child, 120_000, 'tsc');
    } catch (e) {
      if (!existsSync(CLI)) throw e;
      return `built with type errors (${(e as Error).message.slice(0, 120)})`;
    }
    return 'built';
  }
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build or drop --no-build`);
  return 'not rebuilt (--no-build)';
}

/** Another program may take a probed port before the simulator binds it: retry with fresh ports. */
export async function startSim(opts: SimOptions): Promise<Sim> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startSimOnce(opts);
    } catch (e) {
      if (attempt >= 3 || !/already in use/.test((e as Error).message)) throw e;
    }
  }
}

async function startSimOnce(opts: SimOptions): Promise<Sim> {
  const controlPort = await freePort();
  const ports = await freePortRange(opts.servers, [controlPort]);
  const dir = mkdtempSync(join(tmpdir(), 'ollama-sim-bench-'));
  const config = join(dir, 'fleet.json');
  writeFileSync(config, JSON.stringify({ defaults: { ...PACED_DEFAULTS, ...opts.defaults } }));
  const t0 = performance.now();
  const child = spawnTracked(process.execPath, [...(opts.nodeArgs ?? []), opts.cli ?? CLI, '--control-port', String(controlPort), '--server-ports', rangeSpec(ports), '--config', config, '--seed', '1', '--quiet', ...(opts.workers === undefined ? [] : ['--workers', String(opts.workers)])], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const died = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`simulator exited ${code} before ready: ${stderr.trim()}`))));
  died.catch(() => {});
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const readyAt = await Promise.race([waitAllAnswering(ports, t0 + (opts.timeoutMs ?? 20_000)), died]);
    return { child, pid: child.pid!, ports, urls: ports.map((p) => `http://127.0.0.1:${p}`), controlPort, readyMs: readyAt - t0, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
