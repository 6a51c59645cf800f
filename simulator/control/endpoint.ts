// The shape of one control endpoint, and what several of them answer with. Each file in
// endpoints/ is one resource (behavior, servers, models, journal, ...) and exports its endpoints
// as named handlers; app.ts mounts every one listed in endpoints/all.ts.
import type { Context } from 'hono';
import type { Fleet } from '../fleet.js';
import type { SimServer } from '../server.js';

export interface ControlEndpoint {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
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
