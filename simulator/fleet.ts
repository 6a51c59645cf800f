// A fleet: N simulated servers, steered together. Adding and removing servers at run time, behavior
// changes across them, and the fleet-wide journal (ids, queries, the 'record' event) live here.
// startFleet (start.ts) starts one with its control API, which steers it from outside.
import { EventEmitter } from 'node:events';
import { parseBehavior, type BehaviorSpec } from './behaviors/registry.js';
import { serverSettings, type ServerOverrides } from './config.js';
import type { JournalQuery, JournalRecord } from './journal/record.js';
import { queryRecords } from './journal/ring.js';
import { requestListener } from './api/app.js';
import { ROUTE_PATHS } from './api/routes.js';
import { SimServer, type FleetContext } from './server.js';
import { ValidationError } from './schema.js';

export interface FleetOptions {
  /** Bind address of every server and the control API (default 127.0.0.1). */
  host?: string;
  /** Control API port; 0 = any free port; null = no control API (in-process use only). Default 0. */
  controlPort?: number | null;
  /** One entry per server: a port (0 = any free port) or settings. A number n means n servers on free ports. */
  servers?: number | Array<number | ServerOverrides>;
  /** Settings every server starts from. */
  defaults?: ServerOverrides;
  /** Seed of generated text, ids and probabilistic faults (default 0). */
  seed?: number;
}

/** A server listening for the fleet (the control API): its port, and how to close it and its connections. */
export interface AttachedControl {
  port: number;
  close(): Promise<void>;
}

/** A port, a list of ports, or every server. */
export type PortSelector = number | number[] | 'all' | { all: true };

export class Fleet extends EventEmitter {
  readonly host: string;
  readonly seed: number;
  readonly defaults: ServerOverrides;
  private readonly servers = new Map<number, SimServer>();
  private control: AttachedControl | null = null;
  private lastRecordId = 0;
  private nextOrdinal = 0;
  private readonly context: FleetContext;

  constructor(options: FleetOptions = {}) {
    super();
    this.setMaxListeners(0);
    this.host = options.host ?? '127.0.0.1';
    this.seed = options.seed ?? 0;
    this.defaults = options.defaults ?? {};
    this.context = {
      host: this.host,
      seed: this.seed,
      nextRecordId: () => ++this.lastRecordId,
      recordEnded: (r) => this.emit('record', r),
      requestListener,
    };
  }

  get controlUrl(): string | null {
    return this.control === null ? null : `http://${this.hostForUrl}:${this.control.port}`;
  }

  private get hostForUrl(): string {
    return this.host.includes(':') ? `[${this.host}]` : this.host;
  }

  /** Servers in port order. */
  list(): SimServer[] {
    return [...this.servers.values()].sort((a, b) => a.port - b.port);
  }

  get ports(): number[] {
    return this.list().map((s) => s.port);
  }

  get urls(): string[] {
    return this.list().map((s) => s.url);
  }

  server(port: number): SimServer {
    const s = this.servers.get(port);
    if (!s) throw new ValidationError(`no server on port ${port}; servers: ${this.ports.join(', ') || '(none)'}`, 'port');
    return s;
  }

  /** Resolves a selector; `{all: false}` is an error, not "all" (the Rust simulator's bug). */
  select(selector: unknown): SimServer[] {
    if (selector === 'all' || (typeof selector === 'object' && selector !== null && !Array.isArray(selector) && (selector as { all?: unknown }).all === true && Object.keys(selector).length === 1)) {
      return this.list();
    }
    if (typeof selector === 'number' && Number.isInteger(selector)) return [this.server(selector)];
    if (Array.isArray(selector) && selector.length > 0 && selector.every((p) => typeof p === 'number' && Number.isInteger(p))) return selector.map((p) => this.server(p));
    throw new ValidationError(`field 'port' must be a port number, a non-empty array of ports, or {"all": true}; got ${JSON.stringify(selector)}`, 'port');
  }

  async addServer(overrides: ServerOverrides | number = {}): Promise<SimServer> {
    const input = typeof overrides === 'number' ? { port: overrides } : overrides;
    const settings = serverSettings(input, this.defaults);
    if (settings.port !== 0 && this.servers.has(settings.port)) throw new ValidationError(`port ${settings.port} is already a server of this fleet`, 'port');
    if (settings.port !== 0 && settings.port === this.control?.port) throw new ValidationError(`port ${settings.port} is the control port`, 'port');
    const server = new SimServer(this.context, settings);
    server.ordinal = this.nextOrdinal++;
    await server.start();
    this.servers.set(server.port, server);
    return server;
  }

  async removeServer(port: number): Promise<void> {
    const server = this.server(port);
    this.servers.delete(port);
    await server.stop();
  }

  /** The control API that steers this fleet (startFleet attaches it); stop() closes it. */
  attachControl(control: AttachedControl): void {
    this.control = control;
  }

  setBehavior(selector: PortSelector, behavior: unknown): BehaviorSpec {
    const spec = parseBehavior(behavior, ROUTE_PATHS);
    for (const s of this.select(selector)) s.behavior.set(spec);
    return spec;
  }

  setSequence(selector: PortSelector, steps: unknown[]): BehaviorSpec[] {
    const specs = steps.map((b) => parseBehavior(b, ROUTE_PATHS));
    for (const s of this.select(selector)) s.behavior.setSequence(specs);
    return specs;
  }

  journal(query: JournalQuery = {}): JournalRecord[] {
    const servers = query.port === undefined ? this.list() : [this.server(query.port)];
    return queryRecords(servers.map((s) => s.journal.records(query.since)), query);
  }

  clearJournal(): void {
    for (const s of this.list()) s.journal.clear();
  }

  /**
   * Resolves with the first journal record, already ended or ending later, that satisfies the
   * predicate. Rejects after timeoutMs with the records seen, so a failing wait explains itself.
   */
  waitForRecord(predicate: (r: JournalRecord) => boolean, timeoutMs = 10_000, since = 0): Promise<JournalRecord> {
    // Ended, not merely decided: a hung or stalled response is a fault from its start, yet runs on.
    const done = this.journal({ since }).find((r) => r.endedAt !== null && predicate(r));
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const onRecord = (r: JournalRecord) => {
        if (r.id <= since || !predicate(r)) return;
        cleanup();
        resolve(r);
      };
      const timer = setTimeout(() => {
        cleanup();
        const seen = this.journal({ since }).map((r) => `${r.server} ${r.method} ${r.path} ${r.outcome}${r.fault ? `/${r.fault}` : ''}`);
        reject(new Error(`no matching journal record within ${timeoutMs} ms; records since ${since}: ${seen.join('; ') || '(none)'}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('record', onRecord);
      };
      this.on('record', onRecord);
    });
  }

  /** The newest record id so far: pass it as `since` to see only what happens next. */
  get cursor(): number {
    return this.lastRecordId;
  }

  reset(clearCounters = false): void {
    for (const s of this.list()) s.reset(clearCounters);
  }

  async stop(): Promise<void> {
    const control = this.control;
    this.control = null;
    await control?.close();
    await Promise.all(this.list().map((s) => s.stop()));
    this.servers.clear();
  }
}
