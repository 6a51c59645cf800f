// A fleet whose servers live in worker threads (--workers N): this thread holds the control API,
// the port map and the fleet-wide counters; each worker holds whole servers (listener, sockets,
// state, journal) and answers the control requests for them (control.ts routes them). Seen from
// outside (its URLs, the control API, waitForRecord) it is one fleet.
import { EventEmitter } from 'node:events';
import type { Hono } from 'hono';
import { availableParallelism } from 'node:os';
import { setEventFeed, type EventFeed } from '../control/endpoints/events.js';
import { startControlServer } from '../control/server.js';
import { Fleet, noServer, type FleetOptions } from '../fleet.js';
import type { HeartbeatRecord, JournalQuery, JournalRecord } from '../journal/record.js';
import { heartbeatWait, recordWait, waitForEntry } from '../journal/wait.js';
import { ValidationError } from '../schema.js';
import { workerControlApp } from './control.js';
import { sharedIdBuffer, sharedIds, type FleetIds } from './ids.js';
import type { ServerOverrides } from '../config.js';
import { WorkerHost } from './worker-host.js';

/** A worker per core is the point; a few times more only adds threads that compete for them. */
export const MAX_WORKERS_PER_CORE = 4;

/**
 * The `workers` setting checked: a whole number, 0 or 1 meaning this thread, at most
 * MAX_WORKERS_PER_CORE per core (a worker with no server yet takes the next POST /servers).
 * `where` names the field ("--workers", "field 'workers'").
 */
export function checkWorkers(value: unknown, where = "field 'workers'"): number {
  const cap = Math.max(2, availableParallelism() * MAX_WORKERS_PER_CORE);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > cap) {
    throw new ValidationError(`${where} must be a whole number from 0 to ${cap} (0 or 1: every server in one thread; N: servers spread over N worker threads; at most ${MAX_WORKERS_PER_CORE} per core here), got ${typeof value === 'number' ? value : JSON.stringify(value)}`, 'workers');
  }
  return value;
}

export class WorkerFleet extends EventEmitter {
  readonly host: string;
  readonly seed: number;
  /** No servers of its own: host, seed and the control API, for the endpoints answered in this thread. */
  readonly shell: Fleet;
  readonly hosts: WorkerHost[];
  private readonly ids: FleetIds;
  private stopped = false;
  private app: Hono | null = null;

  constructor(options: FleetOptions, workers: number) {
    super();
    this.setMaxListeners(0);
    this.host = options.host ?? '127.0.0.1';
    this.seed = options.seed ?? 0;
    this.shell = new Fleet({ ...options, controlPort: null });
    const ids = sharedIdBuffer();
    this.ids = sharedIds(ids);
    this.hosts = Array.from({ length: workers }, (_, index) => new WorkerHost({ index, host: this.host, seed: this.seed, defaults: options.defaults ?? {}, ids }));
    for (const h of this.hosts) {
      for (const event of ['record', 'heartbeat']) h.on(event, (r) => this.emit(event, r));
      h.on('crash', (e: Error) => this.crashed(e));
    }
    setEventFeed(this.shell, this.eventFeed());
    // Ended records cross the thread boundary only while someone here listens for them.
    const ENDED = ['record', 'heartbeat'];
    const listening = () => this.listenerCount('record') + this.listenerCount('heartbeat');
    this.on('newListener', (event) => ENDED.includes(event) && listening() === 0 && this.subscribe(true));
    this.on('removeListener', (event) => ENDED.includes(event) && listening() === 0 && this.subscribe(false));
  }

  /** Starts the servers (entry i on worker i mod N), then the control API; stops everything if any part fails. */
  static async start(options: FleetOptions, entries: ServerOverrides[], workers: number): Promise<WorkerFleet> {
    const wf = new WorkerFleet(options, workers);
    try {
      // Ordinals follow the start list, as in one thread; servers added later take the next ones.
      const numbered = entries.map((settings) => ({ settings, ordinal: wf.ids.nextOrdinal() }));
      await Promise.all(wf.hosts.map((h, w) => h.call({ op: 'start', entries: numbered.filter((_, i) => i % workers === w) })));
      if (options.controlPort !== null) wf.shell.attachControl(await startControlServer(wf.shell, wf.host, options.controlPort ?? 0, workerControlApp(wf)));
    } catch (e) {
      await wf.stop();
      throw e;
    }
    return wf;
  }

  get controlUrl(): string | null {
    return this.shell.controlUrl;
  }

  get controlPort(): number | null {
    return this.controlUrl === null ? null : Number(new URL(this.controlUrl).port);
  }

  /** Every server's port, in port order. */
  get ports(): number[] {
    return this.hosts.flatMap((h) => h.ports).sort((a, b) => a - b);
  }

  get urls(): string[] {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return this.ports.map((p) => `http://${host}:${p}`);
  }

  /** The newest record id so far, fleet-wide. */
  get cursor(): number {
    return this.ids.lastRecordId;
  }

  /** The worker holding a port; the 404 error of one thread for a port no worker holds. */
  hostOf(port: number): WorkerHost {
    const host = this.hosts.find((h) => h.ports.includes(port));
    if (!host) throw noServer(port, this.ports);
    return host;
  }

  /** Where a new server goes: the worker with the fewest servers. */
  leastLoaded(): WorkerHost {
    return this.hosts.reduce((a, b) => (b.ports.length < a.ports.length ? b : a));
  }

  /** One control API request, answered as over HTTP (the programmatic way to steer this fleet). */
  async control(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    this.app ??= workerControlApp(this);
    const res = await this.app.request(path, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { host: this.host } });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  }

  journal(query: JournalQuery = {}): Promise<JournalRecord[]> {
    return this.page('/journal', 'records', query);
  }

  heartbeats(query: JournalQuery = {}): Promise<HeartbeatRecord[]> {
    return this.page('/heartbeats', 'heartbeats', query);
  }

  /** As Fleet.waitForRecord: the first ended record that matches, seen already or ending later. */
  waitForRecord(predicate: (r: JournalRecord) => boolean, timeoutMs = 10_000, since = 0): Promise<JournalRecord> {
    return waitForEntry(recordWait(this, () => this.journal({ since }), predicate, timeoutMs, since));
  }

  waitForHeartbeat(predicate: (h: HeartbeatRecord) => boolean, timeoutMs = 10_000, since = 0): Promise<HeartbeatRecord> {
    return waitForEntry(heartbeatWait(this, () => this.heartbeats({ since }), predicate, timeoutMs, since));
  }

  /** One GET of a records endpoint, as its records. */
  private async page<T>(path: string, key: string, query: JournalQuery): Promise<T[]> {
    const q = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
    const { status, json } = await this.control('GET', `${path}?${q}`);
    if (status !== 200) throw new ValidationError(json.error, json.field);
    return json[key];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.shell.stop();
    await Promise.all(this.hosts.map((h) => h.stop()));
  }

  /** GET /events of the control thread: every worker's records and servers, merged as one fleet's. */
  private eventFeed(): EventFeed {
    const self = this; // eslint-disable-line @typescript-eslint/no-this-alias -- a getter of the feed reads the fleet's live URL
    return {
      seed: this.seed,
      get controlUrl() {
        return self.controlUrl;
      },
      on: (e, l) => this.on(e, l),
      off: (e, l) => this.off(e, l),
      read: async (since) => {
        const cursor = this.cursor; // before asking: see the records route of control.ts
        const parts = await Promise.all(this.hosts.map((h) => h.call({ op: 'live', since })));
        return {
          cursor,
          records: parts.flatMap((p) => p.records).sort((a, b) => a.id - b.id),
          servers: parts.flatMap((p) => p.servers).sort((a, b) => a.status.port - b.status.port),
        };
      },
    };
  }

  private subscribe(records: boolean): void {
    for (const h of this.hosts) h.subscribe(records);
  }

  /** A worker died: 'crash' to whoever listens (the CLI stops and exits 1), else a line on stderr. */
  private crashed(e: Error): void {
    if (this.stopped) return;
    if (this.listenerCount('crash') > 0) this.emit('crash', e);
    else console.error(e.message);
  }
}
