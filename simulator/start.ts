// startFleet: the servers of a fleet, then the control API that steers them. If any port cannot be
// bound, everything already started is stopped again and the error is thrown.
import { startControlServer } from './control/server.js';
import { Fleet, type FleetOptions } from './fleet.js';
import { checkWorkers, WorkerFleet } from './hosts/worker-fleet.js';

export interface StartOptions extends FleetOptions {
  /**
   * Worker threads the servers are spread over (default 0; 0 or 1 = every server in this thread).
   * With N > 1 the answer is a WorkerFleet (hosts/worker-fleet.ts), steered as one fleet.
   */
  workers?: number;
}

export function startFleet(options?: FleetOptions & { workers?: 0 | 1 }): Promise<Fleet>;
export function startFleet(options: StartOptions): Promise<Fleet | WorkerFleet>;
export async function startFleet(options: StartOptions = {}): Promise<Fleet | WorkerFleet> {
  const entries = typeof options.servers === 'number' ? Array.from({ length: options.servers }, () => 0) : options.servers ?? [0];
  const workers = checkWorkers(options.workers ?? 0);
  if (workers > 1) return WorkerFleet.start(options, entries.map((e) => (typeof e === 'number' ? { port: e } : e)), workers);
  const fleet = new Fleet(options);
  try {
    // Bind in parallel (100 servers start in a fraction of the time); every server that did start
    // is registered, so the catch below stops them all if any one failed.
    const started = await Promise.allSettled(entries.map((entry) => fleet.addServer(typeof entry === 'number' ? { port: entry } : entry)));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    if (options.controlPort !== null) fleet.attachControl(await startControlServer(fleet, fleet.host, options.controlPort ?? 0));
  } catch (e) {
    await fleet.stop();
    throw e;
  }
  return fleet;
}
