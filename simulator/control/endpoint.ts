// The shape of one control endpoint, and what several of them answer with. Each file in
// endpoints/ is one resource (behavior, servers, models, journal, ...) and exports its endpoints
// as named handlers; app.ts mounts every one listed in endpoints/all.ts.
import type { Context } from 'hono';
import type { Fleet } from '../fleet.js';
import type { JournalQuery } from '../journal/record.js';
import { ValidationError } from '../schema.js';
import type { SimServer } from '../server.js';
import { intQuery } from './input.js';

/**
 * Where an endpoint is answered when the servers live in worker threads (--workers; hosts/control.ts):
 * - `parent`: the control thread itself (static pages; /events reads the fleet through its EventFeed)
 * - `port-param`: the worker holding `:port`; `restart` the same, the new port checked fleet-wide
 * - `selector`: the workers holding the body's `port` selector, answers merged
 * - `every`: every worker, or the one holding `?port=` (the first answer)
 * - `add`: the worker with the fewest servers
 * - `status`, `records`, `metrics`: every worker, answers merged by that rule
 */
export type Spread = 'parent' | 'port-param' | 'selector' | 'every' | 'add' | 'restart' | 'status' | 'records' | 'metrics';

export interface ControlEndpoint {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  spread: Spread;
  handle(c: Context, fleet: Fleet): Response | Promise<Response>;
}

export const ok = (c: Context, extra: Record<string, unknown> = {}): Response => c.json({ status: 'ok', ...extra });

export const portsOf = (servers: SimServer[]): number[] => servers.map((s) => s.port);

/** Waits until each listener matches its behavior (ConnectionRefused closes it), so the caller's next connect sees it. */
export async function listenersSettled(servers: SimServer[]): Promise<void> {
  await Promise.all(servers.map((s) => s.syncListener()));
}

/** What /status shows for one server, with the Rust simulator's field names kept alongside. */
export function serverStatus(s: SimServer): Record<string, unknown> {
  const loaded = s.residency.list().map((m) => m.spec.name);
  return {
    ...s.status(),
    accepting_connections: s.listening,
    loaded_model: loaded[0] ?? null,
    active_request_count: s.inFlight.size,
  };
}

/**
 * One page of records (GET /journal, GET /heartbeats): `port`, `since` and `limit` from the query,
 * and the cursor to pass as the next `since` (the last id of a full page, else the newest id).
 */
export function readPage<T extends { id: number }>(c: Context, fleet: Fleet, read: (q: JournalQuery) => T[]): { records: T[]; cursor: number } {
  const q = intQuery(c, ['port', 'since', 'limit']);
  if (q.port !== undefined) fleet.server(q.port);
  if (q.limit === 0) throw new ValidationError("query parameter 'limit' must be >= 1", 'limit');
  const records = read(q);
  const truncated = q.limit !== undefined && records.length === q.limit;
  const cursor = truncated && records.length ? records[records.length - 1].id : Math.max(q.since ?? 0, fleet.cursor);
  return { records, cursor };
}
