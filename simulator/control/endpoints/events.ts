// GET /events: the fleet, live, as Server-Sent Events. The dashboard's only feed, and readable by
// any script (`curl -N $C/events`). Two events, both JSON:
//   state    every tick: per-server status (as in GET /status) with request and error rates, and
//            the fleet's totals
//   records  each tick that has any: the journal records created or ended since the last one, with
//            the journal cursor; a record that was sent in progress comes again when it ends
//            (same id: replace it). The SSE `id` is "cursor@time", so an EventSource that
//            reconnects (Last-Event-ID) gets exactly what it missed.
// The hub reads the fleet through an EventFeed: this thread's fleet, or (--workers) the workers',
// which hosts/ registers for the control thread's fleet with setEventFeed.
// Cost: one hub per control API, alive only while someone listens. Without a listener there is no
// timer and no journal listener, so the fleet pays nothing per request. With listeners, each tick
// runs one journal query and one serialisation for every client: a fleet serving thousands of
// requests a second still sends two events per tick.
import type { ServerResponse } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context } from 'hono';
import { epochMs } from '../../engine/clock.js';
import type { Fleet } from '../../fleet.js';
import type { JournalRecord } from '../../journal/record.js';
import { ValidationError } from '../../schema.js';
import type { ControlEndpoint } from '../endpoint.js';
import { intQuery } from '../input.js';

/** How often state and records go out (coalescing window). */
export const TICK_MS = 250;
/** Records a new client gets when it says nothing about where to start. */
export const INITIAL_RECORDS = 500;
/** Request bodies in events are cut to this many characters (GET /journal has up to 4096). */
export const EVENT_BODY_CHARS = 256;
/** A client this far behind is dropped; its EventSource reconnects and catches up from its last id. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const RATE_WINDOW_MS = 1000;
const RETRY_MS = 1000;

/** Where a client resumes: after a record id, and (on reconnect) after a tick time. */
interface Resume {
  since: number;
  /** Records at or below `since` that ended after this time were not seen by the client yet. */
  endedAfter?: number;
}

const STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache',
  'X-Accel-Buffering': 'no',
};

const isError = (r: JournalRecord): boolean => r.outcome === 'fault' || (r.status !== null && r.status >= 400);

const forEvent = (r: JournalRecord): JournalRecord => (r.body.length > EVENT_BODY_CHARS ? { ...r, body: r.body.slice(0, EVENT_BODY_CHARS) } : r);

const round = (n: number): number => Math.round(n * 10) / 10;

function sse(event: string, data: unknown, id?: string): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A per-second rate of a growing total over the last second (over a full second even when the history is shorter, so one request reads 1/s, not 4/s). */
class Rate {
  private samples: Array<[number, number]> = [];

  add(at: number, total: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && total < last[1]) this.samples = []; // counters were cleared
    this.samples.push([at, total]);
    while (this.samples.length > 2 && at - this.samples[1][0] >= RATE_WINDOW_MS) this.samples.shift();
  }

  get perSecond(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    return first ? ((last[1] - first[1]) * 1000) / Math.max(RATE_WINDOW_MS, last[0] - first[0]) : 0;
  }
}

/** A server as the state event shows it. */
export interface LiveServer {
  status: Record<string, unknown> & { port: number; listening: boolean; request_count: number; busy_slots: number; num_parallel: number; queue_length: number; active_streams: number };
  inFlight: number;
}

/** Records newer than a cursor and every server's state, read at one moment. */
export interface Live {
  records: JournalRecord[];
  servers: LiveServer[];
}

/** What the hub reads of a fleet. */
export interface EventFeed {
  seed: number;
  controlUrl: string | null;
  on(event: 'record', listener: (r: JournalRecord) => void): unknown;
  off(event: 'record', listener: (r: JournalRecord) => void): unknown;
  /** `cursor`: the newest record id, read before the records (which may go past it). */
  read(since: number): Promise<Live & { cursor: number }>;
}

/** The Live of this thread's servers (a worker thread answers its share with it). */
export function liveOf(fleet: Fleet, since: number): Live {
  return { records: fleet.journal({ since }), servers: fleet.list().map((s) => ({ status: s.status() as LiveServer['status'], inFlight: s.inFlight.size })) };
}

const feeds = new WeakMap<Fleet, EventFeed>();

/** The feed of `fleet`'s events when its servers are elsewhere (a worker fleet's control thread). */
export function setEventFeed(fleet: Fleet, feed: EventFeed): void {
  feeds.set(fleet, feed);
}

function feedOf(fleet: Fleet): EventFeed {
  return feeds.get(fleet) ?? {
    seed: fleet.seed,
    get controlUrl() {
      return fleet.controlUrl;
    },
    on: (e, l) => fleet.on(e, l),
    off: (e, l) => fleet.off(e, l),
    read: async (since) => ({ cursor: fleet.cursor, ...liveOf(fleet, since) }),
  };
}

class EventHub {
  private readonly clients = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | null = null;
  /** Journal cursor and time of the last tick: every client has every record up to here. */
  private cursor = 0;
  private tickAt = 0;
  /** Records that ended since the last tick. */
  private ended: JournalRecord[] = [];
  private readonly errors = new Map<number, number>();
  private readonly rates = new Map<number, { requests: Rate; errors: Rate }>();
  private lastState = '';
  private ticking = false;
  /** Clients between their request and their snapshot: the hub stays up for them. */
  private attaching = 0;
  private starting: Promise<void> | null = null;

  private readonly onEnded = (r: JournalRecord): void => {
    this.ended.push(r);
    if (isError(r)) this.errors.set(r.server, (this.errors.get(r.server) ?? 0) + 1);
  };

  constructor(private readonly fleet: EventFeed) {}

  async attach(res: ServerResponse, resume: Resume | null): Promise<void> {
    this.attaching++;
    try {
      this.starting ??= this.start();
      await this.starting;
      res.writeHead(200, STREAM_HEADERS);
      // Ticks reach this client once it has its snapshot, read again if a tick passed meanwhile.
      let records: JournalRecord[];
      let at: number;
      do {
        at = this.cursor;
        records = await this.snapshot(resume);
      } while (at !== this.cursor);
      if (res.destroyed) return;
      this.clients.add(res);
      res.on('close', () => this.detach(res));
      res.write(`retry: ${RETRY_MS}\n\n${this.lastState}${sse('records', { cursor: this.cursor, records: records.map(forEvent) }, this.eventId)}`);
    } finally {
      this.attaching--;
      this.stopIfIdle();
    }
  }

  private get eventId(): string {
    return `${this.cursor}@${this.tickAt}`;
  }

  /** What a new client gets: records up to the last tick, each in the state it had then or later. */
  private async snapshot(resume: Resume | null): Promise<JournalRecord[]> {
    const since = resume === null ? 0 : resume.endedAfter === undefined ? resume.since : 0;
    const { records: all } = await this.fleet.read(since);
    // Records that ended after the last tick go out with the next one; listing them here too would
    // send their end twice.
    const pending = new Set(this.ended.map((r) => r.id));
    const records = all.filter((r) => {
      if (r.id > this.cursor || pending.has(r.id)) return false;
      if (resume?.endedAfter === undefined || r.id > resume.since) return true;
      return r.endedAt !== null && r.endedAt > resume.endedAfter;
    });
    return resume === null ? records.slice(-INITIAL_RECORDS) : records;
  }

  private detach(res: ServerResponse): void {
    if (this.clients.delete(res)) this.stopIfIdle();
  }

  private stopIfIdle(): void {
    if (this.clients.size > 0 || this.attaching > 0 || this.starting === null) return;
    clearInterval(this.timer!);
    this.timer = null;
    this.starting = null;
    this.fleet.off('record', this.onEnded);
    this.ended = [];
    this.errors.clear();
    this.rates.clear();
  }

  private async start(): Promise<void> {
    this.tickAt = epochMs();
    this.fleet.on('record', this.onEnded);
    const live = await this.fleet.read(Number.MAX_SAFE_INTEGER);
    this.cursor = live.cursor;
    this.lastState = this.state(this.tickAt, live.servers);
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.ticking) return; // a worker fleet's read outlasted a tick: skip, the next one catches up
    this.ticking = true;
    const at = epochMs();
    const before = this.cursor;
    // Ends heard before the read; those newer than `before` are in `fresh` as they are now. Ends
    // heard during a worker fleet's read wait for the next tick, unless `fresh` has them ended.
    const ended = this.ended;
    this.ended = [];
    const live = await this.fleet.read(before).finally(() => (this.ticking = false));
    if (this.timer === null) return; // the last client left meanwhile
    const updates = ended.filter((r) => r.id <= before).sort((a, b) => a.id - b.id);
    const fresh = live.records.filter((r) => r.id <= live.cursor);
    const sentEnded = new Set(fresh.filter((r) => r.endedAt !== null).map((r) => r.id));
    this.ended = this.ended.filter((r) => !sentEnded.has(r.id));
    this.cursor = live.cursor;
    this.tickAt = at;
    this.lastState = this.state(at, live.servers);
    let text = this.lastState;
    if (updates.length > 0 || fresh.length > 0 || this.cursor !== before) {
      text += sse('records', { cursor: this.cursor, records: updates.concat(fresh).map(forEvent) }, this.eventId);
    }
    for (const res of this.clients) {
      if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
      else res.write(text);
    }
  }

  private state(at: number, list: LiveServer[]): string {
    const servers = list.map((s) => ({ ...s.status, in_flight: s.inFlight, ...this.ratesOf(s.status, at) }));
    const ports = new Set(list.map((s) => s.status.port));
    for (const port of this.rates.keys()) if (!ports.has(port)) this.rates.delete(port);
    const sum = (pick: (s: LiveServer['status']) => number) => list.reduce((n, s) => n + pick(s.status), 0);
    const totals = {
      servers: list.length,
      listening: list.filter((s) => s.status.listening).length,
      requests: sum((s) => s.request_count),
      requests_per_sec: round(servers.reduce((n, s) => n + s.requests_per_sec, 0)),
      errors_per_sec: round(servers.reduce((n, s) => n + s.errors_per_sec, 0)),
      in_flight: list.reduce((n, s) => n + s.inFlight, 0),
      busy_slots: sum((s) => s.busy_slots),
      num_parallel: sum((s) => s.num_parallel),
      queue_length: sum((s) => s.queue_length),
      active_streams: sum((s) => s.active_streams),
    };
    return sse('state', { at, seed: this.fleet.seed, control_url: this.fleet.controlUrl, totals, servers });
  }

  private ratesOf(s: LiveServer['status'], at: number): { requests_per_sec: number; errors_per_sec: number } {
    let rate = this.rates.get(s.port);
    if (!rate) this.rates.set(s.port, (rate = { requests: new Rate(), errors: new Rate() }));
    rate.requests.add(at, s.request_count);
    rate.errors.add(at, this.errors.get(s.port) ?? 0);
    return { requests_per_sec: round(rate.requests.perSecond), errors_per_sec: round(rate.errors.perSecond) };
  }
}

/** Last-Event-ID ("cursor@time", as sent in `id:`) wins over ?since=N: it is the reconnect of the same URL. */
function resumeFrom(c: Context): Resume | null {
  const q = intQuery(c, ['since']);
  const lastId = c.req.header('last-event-id');
  if (lastId !== undefined) {
    const m = /^(\d+)@(\d+(?:\.\d+)?)$/.exec(lastId.trim());
    if (!m) throw new ValidationError(`header 'Last-Event-ID' must be an event id this stream sent ("cursor@time", e.g. "42@1700000000000.5"), got ${JSON.stringify(lastId)}`, 'Last-Event-ID');
    return { since: Number(m[1]), endedAfter: Number(m[2]) };
  }
  return q.since === undefined ? null : { since: q.since };
}

// One hub per fleet: every client of a fleet shares its tick and its journal query.
const hubs = new WeakMap<Fleet, EventHub>();

async function streamEvents(c: Context, fleet: Fleet): Promise<Response> {
  const resume = resumeFrom(c);
  // HEAD (which Hono routes here too) gets the headers of a stream and no stream.
  if (c.req.method === 'HEAD') return c.body(null, 200, STREAM_HEADERS);
  let hub = hubs.get(fleet);
  if (!hub) hubs.set(fleet, (hub = new EventHub(feedOf(fleet))));
  await hub.attach((c.env as HttpBindings).outgoing, resume);
  return RESPONSE_ALREADY_SENT;
}

export default [{ method: 'GET', path: '/events', spread: 'parent', handle: streamEvents }] satisfies ControlEndpoint[];
