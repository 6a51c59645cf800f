// A fleet: N simulated servers and the control API that steers them. start/stop, adding and
// removing servers at run time, and the fleet-wide journal (ids, events) live here.
import { EventEmitter } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import { parseBehavior, type BehaviorSpec } from './behaviors/registry.js';
import { serverSettings, type ServerOverrides } from './config.js';
import { countOutcome } from './control/metrics.js';
import { createControlServer } from './control/server.js';
import { queryRecords, type JournalQuery, type JournalRecord } from './journal.js';
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

/** A port, a list of ports, or every server. */
export type PortSelector = number | number[] | 'all' | { all: true };

export class Fleet extends EventEmitter {
  readonly host: string;
  readonly seed: number;
  readonly defaults: ServerOverrides;
  private readonly servers = new Map<number, SimServer>();
  private control: HttpServer | null = null;
  private controlPort: number | null = null;
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
      recordEnded: (r) => {
        const server = this.servers.get(r.server);
        if (server) countOutcome(server, r);
        this.emit('record', r);
      },
    };
  }

  get controlUrl(): string | null {
    return this.controlPort === null ? null : `http://${this.hostForUrl}:${this.controlPort}`;
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
    if (settings.port !== 0 && settings.port === this.controlPort) throw new ValidationError(`port ${settings.port} is the control port`, 'port');
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

  async startControl(port: number): Promise<void> {
    this.control = await createControlServer(this, this.host, port);
    this.controlPort = (this.control.address() as { port: number }).port;
  }

  setBehavior(selector: PortSelector, behavior: unknown): BehaviorSpec {
    const spec = parseBehavior(behavior, ROUTE_PATHS);
    for (const s of this.select(selector)) s.behavior.set(spec);
    return spec;
  }

  setSequence(selector: PortSelector, steps: unknown[]): BehaviorSpec[] {
    const specs = steps.map((b, i) => {
      try {
        return parseBehavior(b, ROUTE_PATHS);
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        throw new ValidationError(`steps[${i}]: ${e.message}`, e.field ?? 'steps', e.allowed); // which step is wrong
      }
    });
    for (const s of this.select(selector)) s.behavior.setSequence(specs);
    return specs;
  }

  journal(query: JournalQuery = {}): JournalRecord[] {
    const servers = query.port === undefined ? this.list() : [this.server(query.port)];
    return queryRecords(servers.map((s) => s.journal), query);
  }

  clearJournal(): void {
    for (const s of this.list()) s.journal.clear();
  }

  /**
   * Resolves with the first journal record, already ended or ending later, that satisfies the
   * predicate. Rejects after timeoutMs with the records seen, so a failing wait explains itself.
   */
  waitForRecord(predicate: (r: JournalRecord) => boolean, timeoutMs = 10_000, since = 0): Promise<JournalRecord> {
    const done = this.journal({ since }).find((r) => r.outcome !== 'in_progress' && predicate(r));
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
    if (control) {
      control.closeAllConnections();
      await new Promise<void>((resolve) => control.close(() => resolve()));
    }
    await Promise.all(this.list().map((s) => s.stop()));
    this.servers.clear();
  }
}

/**
 * Starts a fleet: the servers (each on its port, or a free one), then the control API. If any port
 * cannot be bound, everything already started is stopped again and the error is thrown.
 */
export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
  const fleet = new Fleet(options);
  const entries = typeof options.servers === 'number' ? Array.from({ length: options.servers }, () => 0) : options.servers ?? [0];
  try {
    // Bind in parallel (100 servers start in a fraction of the time); every server that did start
    // is registered, so the catch below stops them all if any one failed.
    const started = await Promise.allSettled(entries.map((entry) => fleet.addServer(typeof entry === 'number' ? { port: entry } : entry)));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    if (options.controlPort !== null) await fleet.startControl(options.controlPort ?? 0);
  } catch (e) {
    await fleet.stop();
    throw e;
  }
  return fleet;
}
