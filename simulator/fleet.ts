// A fleet: N simulated servers, steered together. Adding and removing servers at run time, behavior
// changes across them, and the fleet-wide journal (ids, queries, the 'record' event) live here.
// startFleet (start.ts) starts one with its control API, which steers it from outside.
import { EventEmitter } from 'node:events';
import { NodeAgent, nodeIdFor, portDependentId } from './agent/node-agent.js';
import { parseBehavior, type BehaviorSpec } from './behaviors/registry.js';
import { serverSettings, type ServerOverrides } from './config.js';
import type { HeartbeatRecord, JournalQuery, JournalRecord } from './journal/record.js';
import { queryRecords } from './journal/ring.js';
import { heartbeatWait, recordWait, waitForEntry } from './journal/wait.js';
import { requestListener } from './api/app.js';
import { ROUTE_PATHS } from './api/routes.js';
import { SimServer, type FleetContext } from './server.js';
import { localIds, type FleetIds } from './hosts/ids.js';
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
  /** The fleet-wide counters (a worker's fleet shares them with its siblings); default: this fleet's own. */
  ids?: FleetIds;
}

/** A server listening for the fleet (the control API): its port, and how to close it and its connections. */
export interface AttachedControl {
  port: number;
  close(): Promise<void>;
}

/** Free ports a node agent may try before its port-derived node id is one no other agent carries. */
const NODE_ID_ATTEMPTS = 8;

/** A port, a list of ports, or every server. */
export type PortSelector = number | number[] | 'all' | { all: true };

/** The error for a port that is no server of the fleet (the control API answers it with a 404). */
export function noServer(port: number, ports: number[]): ValidationError {
  return new ValidationError(`no server on port ${port}; servers: ${ports.join(', ') || '(none)'}`, 'port');
}

/**
 * The ports a selector names, of the fleet's `ports` (in port order): `{all: false}` is an error,
 * not "all" (the Rust simulator's bug). A worker fleet resolves selectors with it too.
 */
export function selectPorts(selector: unknown, ports: number[]): number[] {
  if (selector === 'all' || (typeof selector === 'object' && selector !== null && !Array.isArray(selector) && (selector as { all?: unknown }).all === true && Object.keys(selector).length === 1)) {
    return ports;
  }
  const known = (p: number) => {
    if (!ports.includes(p)) throw noServer(p, ports);
    return p;
  };
  if (typeof selector === 'number' && Number.isInteger(selector)) return [known(selector)];
  if (Array.isArray(selector) && selector.length > 0 && selector.every((p) => typeof p === 'number' && Number.isInteger(p))) return selector.map(known);
  throw new ValidationError(`field 'port' must be a port number, a non-empty array of ports, or {"all": true}; got ${JSON.stringify(selector)}`, 'port');
}

export class Fleet extends EventEmitter {
  readonly host: string;
  readonly seed: number;
  readonly defaults: ServerOverrides;
  private readonly servers = new Map<number, SimServer>();
  private control: AttachedControl | null = null;
  private readonly ids: FleetIds;
  private readonly context: FleetContext;

  constructor(options: FleetOptions = {}) {
    super();
    this.setMaxListeners(0);
    this.host = options.host ?? '127.0.0.1';
    this.seed = options.seed ?? 0;
    this.defaults = options.defaults ?? {};
    const ids = (this.ids = options.ids ?? localIds());
    this.context = {
      host: this.host,
      seed: this.seed,
      nextRecordId: () => ids.nextRecordId(),
      recordEnded: (r) => this.emit('record', r),
      heartbeatEnded: (h) => this.emit('heartbeat', h),
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
    if (!s) throw noServer(port, this.ports);
    return s;
  }

  /** Resolves a selector; `{all: false}` is an error, not "all" (the Rust simulator's bug). */
  select(selector: unknown): SimServer[] {
    return selectPorts(selector, this.ports).map((p) => this.server(p));
  }

  /** `ordinal`: its place in the fleet when the caller fixed it (a worker fleet numbers its start list); default: the next. */
  async addServer(overrides: ServerOverrides | number = {}, ordinal?: number): Promise<SimServer> {
    const input = typeof overrides === 'number' ? { port: overrides } : overrides;
    const settings = serverSettings(input, this.defaults);
    if (settings.port !== 0 && this.servers.has(settings.port)) throw new ValidationError(`port ${settings.port} is already a server of this fleet`, 'port');
    if (settings.port !== 0 && settings.port === this.control?.port) throw new ValidationError(`port ${settings.port} is the control port`, 'port');
    for (let attempt = 1; ; attempt++) {
      const server = new SimServer(this.context, settings);
      await server.start();
      if (settings.hub_url !== undefined) {
        try {
          this.attachAgent(server);
        } catch (e) {
          await server.stop();
          // A free port the OS chose can be one whose node id an agent restarted elsewhere still
          // carries (node-{port} is kept across restarts): not the caller's doing, so another port.
          if (e instanceof ValidationError && e.field === 'node_id' && settings.port === 0 && portDependentId(settings.node_id) && attempt < NODE_ID_ATTEMPTS) continue;
          throw e;
        }
      }
      server.ordinal = ordinal ?? this.ids.nextOrdinal();
      this.servers.set(server.port, server);
      return server;
    }
  }

  /** The node agent of a server started with hub_url (POST /agent steers it); an error naming the port otherwise. */
  agent(port: number): NodeAgent {
    const server = this.server(port);
    if (!(server.agent instanceof NodeAgent)) {
      throw new ValidationError(`the server on port ${port} is not a node agent: start it with "hub_url" (POST /servers, --hub-url)`, 'port');
    }
    return server.agent;
  }

  /** Node-agent mode: its id fixed now that the port is known (a restart elsewhere keeps it), one id per fleet. */
  private attachAgent(server: SimServer): void {
    const nodeId = nodeIdFor(server.settings.node_id, server.port);
    const twin = this.list().find((s) => s.settings.node_id === nodeId);
    if (twin) throw new ValidationError(`node_id '${nodeId}' is already the id of the node agent on port ${twin.port}; give each server its own ({port} in node_id expands to its port)`, 'node_id');
    server.settings = { ...server.settings, node_id: nodeId };
    const agent = new NodeAgent(server, nodeId);
    server.agent = agent;
    agent.start();
  }

  async removeServer(port: number): Promise<void> {
    const server = this.server(port);
    this.servers.delete(port);
    await server.stop();
  }

  /**
   * Stops the server and starts it again with the same settings on another port (`port` 0 or
   * absent: a free one), plus any overrides: a node agent comes back under its node_id at a new
   * address. The old port refuses connections from then on.
   */
  async restartServer(port: number, overrides: ServerOverrides = {}): Promise<SimServer> {
    const old = this.server(port);
    await this.removeServer(port);
    return this.addServer({ ...old.settings, port: 0, ...overrides });
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
    return queryRecords(servers.map((s) => s.journal.records(query.since)), query);
  }

  clearJournal(): void {
    for (const s of this.list()) s.journal.clear();
  }

  /** The heartbeats node agents sent (node-agent mode), oldest first; `since` and `limit` as for journal(). */
  heartbeats(query: JournalQuery = {}): HeartbeatRecord[] {
    const servers = query.port === undefined ? this.list() : [this.server(query.port)];
    return queryRecords(servers.map((s) => s.heartbeats.records()), query);
  }

  clearHeartbeats(): void {
    for (const s of this.list()) s.heartbeats.clear();
  }

  /**
   * Resolves with the first journal record, already ended or ending later, that satisfies the
   * predicate. Rejects after timeoutMs with the records seen, so a failing wait explains itself.
   */
  waitForRecord(predicate: (r: JournalRecord) => boolean, timeoutMs = 10_000, since = 0): Promise<JournalRecord> {
    return waitForEntry(recordWait(this, () => this.journal({ since }), predicate, timeoutMs, since));
  }

  /** As waitForRecord, for a heartbeat that has ended (answered or failed). */
  waitForHeartbeat(predicate: (h: HeartbeatRecord) => boolean, timeoutMs = 10_000, since = 0): Promise<HeartbeatRecord> {
    return waitForEntry(heartbeatWait(this, () => this.heartbeats({ since }), predicate, timeoutMs, since));
  }

  /** The newest record id so far: pass it as `since` to see only what happens next. */
  get cursor(): number {
    return this.ids.lastRecordId;
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
