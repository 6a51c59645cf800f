// Runs a client script from bench/clients/ in its own process and parses the JSON it prints.
import { join } from 'node:path';
import { runToEnd, spawnTracked } from './procs.js';
import { ROOT } from './sim.js';

export async function runClient<T>(script: string, args: unknown, timeoutMs: number): Promise<T> {
  const child = spawnTracked(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'clients', script), JSON.stringify(args)], { cwd: ROOT });
  const out = await runToEnd(child, timeoutMs, script);
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}
