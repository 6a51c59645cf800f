// GET /metrics in Prometheus text format. Outcomes are counted when a journal record ends (so the
// journal's ring bound does not lose them); gauges are read from the servers at scrape time.
import { ROUTE_PATHS } from '../api/routes.js';
import type { Fleet } from '../fleet.js';
import type { JournalRecord } from '../journal.js';
import type { SimServer } from '../server.js';

const ROUTE_MATCHERS = ROUTE_PATHS.map((path) => ({
  path,
  re: new RegExp('^' + path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\/:[A-Za-z_]+/g, '/[^/]+') + '$'),
}));

/** The route pattern a path belongs to, so label values stay few (`/v1/models/:model`, `unrouted`). */
export function endpointLabel(path: string): string {
  return ROUTE_MATCHERS.find((m) => m.re.test(path))?.path ?? 'unrouted';
}

const KEY_SEP = '\u0000';

/** Called when a record ends: bumps the server's outcome counter. */
export function countOutcome(server: SimServer, r: JournalRecord): void {
  const key = [endpointLabel(r.path), r.outcome, r.fault ?? ''].join(KEY_SEP);
  server.outcomes.set(key, (server.outcomes.get(key) ?? 0) + 1);
}

const escape = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function labels(l: Record<string, string | number>): string {
  return '{' + Object.entries(l).map(([k, v]) => `${k}="${escape(String(v))}"`).join(',') + '}';
}

type Sample = [Record<string, string | number>, number];

function family(name: string, type: 'counter' | 'gauge', help: string, samples: Sample[]): string {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples.map(([l, v]) => `${name}${labels(l)} ${v}`)].join('\n');
}

function sumBy(server: SimServer, pick: (endpoint: string, outcome: string, fault: string) => string | null): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, n] of server.outcomes) {
    const [endpoint, outcome, fault] = key.split(KEY_SEP);
    const k = pick(endpoint, outcome, fault);
    if (k !== null) out.set(k, (out.get(k) ?? 0) + n);
  }
  return out;
}

export function renderMetrics(fleet: Fleet): string {
  const servers = fleet.list();
  const requests: Sample[] = [];
  const faults: Sample[] = [];
  for (const s of servers) {
    for (const [k, n] of sumBy(s, (e, o) => e + KEY_SEP + o)) {
      const [endpoint, outcome] = k.split(KEY_SEP);
      requests.push([{ server: s.port, endpoint, outcome }, n]);
    }
    for (const [k, n] of sumBy(s, (e, _o, f) => (f ? e + KEY_SEP + f : null))) {
      const [endpoint, fault] = k.split(KEY_SEP);
      faults.push([{ server: s.port, endpoint, fault }, n]);
    }
  }
  const gauge = (read: (s: SimServer) => number): Sample[] => servers.map((s) => [{ server: s.port }, read(s)]);
  return [
    family('ollama_sim_requests_total', 'counter', 'Requests that ended, by server, endpoint and outcome (completed, client_aborted, fault).', requests),
    family('ollama_sim_faults_total', 'counter', 'Requests a behavior faulted, by server, endpoint and fault kind.', faults),
    family('ollama_sim_requests_in_flight', 'gauge', 'Requests being answered now.', gauge((s) => s.inFlight.size)),
    family('ollama_sim_active_streams', 'gauge', 'Streaming responses being generated now.', gauge((s) => s.activeStreams)),
    family('ollama_sim_queue_depth', 'gauge', 'Requests waiting for a slot.', gauge((s) => s.slots.queueLength)),
    family('ollama_sim_busy_slots', 'gauge', 'Parallel slots in use.', gauge((s) => s.slots.busySlots)),
    family('ollama_sim_listener_up', 'gauge', '1 when the server accepts TCP connections, 0 when it refuses them.', gauge((s) => (s.listening ? 1 : 0))),
  ].join('\n') + '\n';
}
