// GET /metrics in Prometheus text format. Outcomes are counted by each server's journal when a
// record ends (so the ring's bound does not lose them); gauges are read from the servers at scrape time.
import type { Context } from 'hono';
import type { Fleet } from '../../fleet.js';
import type { OutcomeCount } from '../../journal/writer.js';
import type { SimServer } from '../../server.js';
import type { ControlEndpoint } from '../endpoint.js';

const escape = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function labels(l: Record<string, string | number>): string {
  return '{' + Object.entries(l).map(([k, v]) => `${k}="${escape(String(v))}"`).join(',') + '}';
}

type Sample = [Record<string, string | number>, number];

function family(name: string, type: 'counter' | 'gauge', help: string, samples: Sample[]): string {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples.map(([l, v]) => `${name}${labels(l)} ${v}`)].join('\n');
}

/** The server's ended-request counts summed by the labels `labelsOf` gives (null: not counted here). */
function countsBy(server: SimServer, labelsOf: (c: OutcomeCount) => Record<string, string> | null): Sample[] {
  const sums = new Map<string, Sample>();
  for (const c of server.journal.outcomeCounts()) {
    const picked = labelsOf(c);
    if (picked === null) continue;
    const key = Object.values(picked).join('\u0000');
    const sample = sums.get(key);
    if (sample) sample[1] += c.count;
    else sums.set(key, [{ server: server.port, ...picked }, c.count]);
  }
  return [...sums.values()];
}

function renderMetrics(fleet: Fleet): string {
  const servers = fleet.list();
  const requests = servers.flatMap((s) => countsBy(s, (c) => ({ endpoint: c.endpoint, outcome: c.outcome })));
  const faults = servers.flatMap((s) => countsBy(s, (c) => (c.fault ? { endpoint: c.endpoint, fault: c.fault } : null)));
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

function metrics(c: Context, fleet: Fleet): Response {
  return c.body(renderMetrics(fleet), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
}

export default [{ method: 'GET', path: '/metrics', spread: 'metrics', handle: metrics }] satisfies ControlEndpoint[];
