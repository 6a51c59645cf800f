// One simulated Ollama instance: its listener (which can go down and come back), every socket it
// accepted (so faults and shutdown reach them), its model state, slots, KV cache, behavior program
// and journal. HTTP is answered by the request handler the fleet hands in (the Hono app of api/,
// which reads this server's state); this file owns the TCP side.
import { createServer as createHttpServer, type RequestListener, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { BEHAVIORS, describeSpec } from './behaviors/registry.js';
import { BehaviorState } from './behaviors/state.js';
import { keepAliveMs, type ServerSettings } from './config.js';
import { now } from './engine/clock.js';
import { KvCache } from './engine/kv-cache.js';
import { modelKey, modelSpec, type ModelSpec } from './engine/models.js';
import { Residency } from './engine/residency.js';
import { SlotScheduler } from './engine/scheduler.js';
import { HeartbeatJournal, type HeartbeatFleet } from './journal/heartbeats.js';
import { JournalWriter, type JournalFleet } from './journal/writer.js';
import { jobId, JobStore } from './jobs/store.js';
/** What a server needs from the fleet it belongs to. */
export interface FleetContext extends JournalFleet, HeartbeatFleet {
  host: string;
  seed: number;
  /** The HTTP request handler of a server: the simulated Ollama API. */
  requestListener(server: SimServer): RequestListener;
}

/**
 * The node agent of a server in node-agent mode (agent/node-agent.ts), as the server drives it: its
 * heartbeats follow the listener, and it stops with the server.
 */
export interface ServerAgent {
  listenerChanged(listening: boolean): void;
  reset(): void;
  stop(): Promise<void>;
  status(): Record<string, unknown>;
}

/** A response in progress, as the server tracks it. */
export interface InFlight {
  /** POST /cancel/{port}: drop its connection. */
  cancel(): void;
}

export class SimServer {
  port: number;
  readonly models = new Map<string, ModelSpec>();
  readonly residency: Residency;
  readonly kv: KvCache;
  readonly slots: SlotScheduler;
  readonly behavior: BehaviorState;
  readonly journal: JournalWriter;
  /** Jobs of the job API (/v1/jobs), bounded by max_jobs. */
  readonly jobs: JobStore;
  /** The heartbeats it sent as a node agent (empty otherwise). */
  readonly heartbeats: HeartbeatJournal;
  /** Its node agent when `hub_url` is set (the fleet attaches it once the port is bound). */
  agent: ServerAgent | null = null;
  activeStreams = 0;
  /** Node agents: POST /execute jobs whose response has not ended. */
  activeJobs = 0;
  /** Requests whose response has not ended (POST /cancel/{port} destroys them). */
  readonly inFlight = new Set<InFlight>();
  /** Position in the fleet (0, 1, ...), set by the fleet; part of the key of seeded draws. */
  ordinal = 0;
  /** Set by POST /servers/{port}/down; the listener also closes while ConnectionRefused is active. */
  adminDown = false;

  private listener: NetServer | null = null;
  private listenerChange: Promise<void> = Promise.resolve();
  private readonly http: HttpServer;
  private readonly sockets = new Set<Socket>();
  /** Sockets handed to the HTTP server, with how many responses each has in progress (0 = idle). */
  private readonly httpSockets = new Map<Socket, number>();
  private stopped = false;

  constructor(
    readonly fleet: FleetContext,
    public settings: ServerSettings,
  ) {
    this.port = settings.port;
    this.residency = new Residency(settings.max_loaded_models, keepAliveMs(settings.keep_alive), (spec) => spec.loadMs ?? this.settings.load_ms);
    this.kv = new KvCache(settings.num_parallel);
    this.slots = new SlotScheduler(settings.num_parallel, settings.max_queue);
    this.behavior = new BehaviorState(() => void this.syncListener());
    this.journal = new JournalWriter(settings.journal_size, fleet);
    this.jobs = new JobStore(settings.max_jobs, (seq, attempt) => jobId(fleet.seed, this.drawKey, seq, attempt));
    this.heartbeats = new HeartbeatJournal(settings.journal_size, fleet);
    this.installModels(settings.models);
    // Ollama (Go net/http) sets no server timeouts: streams and idle keep-alive connections live
    // until a side closes them. Node's defaults would cut them, so turn them off.
    this.http = createHttpServer({ requestTimeout: 0, headersTimeout: 0 }, fleet.requestListener(this));
    this.http.keepAliveTimeout = 0;
    this.http.on('request', (req, res) => this.trackResponse(req.socket as Socket, res));
  }

  get url(): string {
    const host = this.fleet.host.includes(':') ? `[${this.fleet.host}]` : this.fleet.host;
    return `http://${host}:${this.port}`;
  }

  get name(): string {
    return this.settings.name ?? `server-${this.port}`;
  }

  /** Identifies the server in seeded fault draws, independent of OS-chosen ports. */
  get drawKey(): string {
    return this.settings.name ?? `#${this.ordinal}`;
  }

  get listening(): boolean {
    return this.listener !== null;
  }

  installModels(entries: ServerSettings['models']): void {
    this.models.clear();
    for (const entry of entries) {
      const name = typeof entry === 'string' ? entry : entry.name;
      const spec = modelSpec(name, typeof entry === 'string' || entry.load_ms === undefined ? {} : { loadMs: entry.load_ms });
      this.models.set(modelKey(name)!, spec);
    }
  }

  findModel(name: string): { key: string; spec: ModelSpec } | null {
    const key = modelKey(name);
    const spec = key === null ? undefined : this.models.get(key);
    return spec ? { key: key!, spec } : null;
  }

  /** Binds the port. Rejects (with the OS error, e.g. EADDRINUSE) if it cannot. */
  async start(): Promise<void> {
    await this.openListener();
  }

  private openListener(): Promise<void> {
    const net = createNetServer({ noDelay: true }, (socket) => this.accept(socket));
    return new Promise((resolve, reject) => {
      net.once('error', reject);
      net.listen({ port: this.port, host: this.fleet.host, exclusive: true }, () => {
        net.off('error', reject);
        this.port = (net.address() as { port: number }).port;
        this.listener = net;
        this.agent?.listenerChanged(true);
        resolve();
      });
    });
  }

  /**
   * Stops accepting at once: new connections are refused from this moment. Deliberately does not
   * wait for net.Server.close()'s callback, which comes only when every open connection has ended
   * (an in-flight stream may last for minutes).
   */
  private closeListener(): void {
    const net = this.listener;
    this.listener = null;
    if (!net) return;
    net.close();
    this.agent?.listenerChanged(false);
    // A machine whose port refuses connections has no idle connections either. (http.Server's own
    // closeIdleConnections() is a no-op here: it tracks connections only of a server that listens.)
    for (const [socket, active] of this.httpSockets) if (active === 0) socket.destroy();
  }

  /** Counts a response in progress on its socket; a socket that goes idle while the listener is closed is closed too. */
  private trackResponse(socket: Socket, res: ServerResponse): void {
    if (!this.httpSockets.has(socket)) return;
    this.httpSockets.set(socket, this.httpSockets.get(socket)! + 1);
    res.once('close', () => {
      const active = this.httpSockets.get(socket);
      if (active === undefined) return;
      this.httpSockets.set(socket, active - 1);
      if (active === 1 && !this.listener) socket.destroy();
    });
  }

  /** Opens or closes the listener to match adminDown and the active behavior. */
  syncListener(): Promise<void> {
    // A failed reopen (port taken meanwhile) is reported to its caller, not to every later change.
    this.listenerChange = this.listenerChange.catch(() => {}).then(async () => {
      if (this.stopped) return;
      const wantUp = !this.adminDown && !this.behavior.refusesConnections;
      if (wantUp && !this.listener) await this.openListener();
      if (!wantUp && this.listener) this.closeListener();
    });
    return this.listenerChange;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => {}); // resets from clients are part of the job
    const spec = this.behavior.forConnection();
    if (spec) {
      const params = spec.params;
      BEHAVIORS.get(spec.type)!.onConnection!(socket, params);
      return;
    }
    this.httpSockets.set(socket, 0);
    socket.once('close', () => this.httpSockets.delete(socket));
    this.http.emit('connection', socket);
  }

  /** Closes the listener and destroys every connection, in flight or idle. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.listenerChange.catch(() => {});
    await this.agent?.stop();
    this.closeListener();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.http.closeAllConnections();
    this.jobs.clear('the server stopped');
    this.residency.clear();
  }

  /** Back to the state the server started with (POST /reset). */
  reset(clearCounters: boolean): void {
    this.behavior.reset();
    this.adminDown = false;
    void this.syncListener();
    this.installModels(this.settings.models);
    this.jobs.clear('the server was reset (POST /reset)');
    this.residency.clear();
    this.kv.clear();
    this.agent?.reset();
    if (clearCounters) this.journal.clearCounters();
  }

  status(): Record<string, unknown> {
    return {
      port: this.port,
      url: this.url,
      name: this.name,
      listening: this.listening,
      admin_down: this.adminDown,
      behavior: this.behavior.describe(),
      installed_models: [...this.models.values()].map((m) => m.name),
      loaded_models: this.residency.list().map((m) => ({
        name: m.spec.name,
        active_requests: m.refCount,
        expires_in_ms: m.expiresAt === Infinity ? null : Math.max(0, Math.round(m.expiresAt - now())),
      })),
      busy_slots: this.slots.busySlots,
      num_parallel: this.slots.numParallel,
      queue_length: this.slots.queueLength,
      active_streams: this.activeStreams,
      request_count: this.journal.requestCount,
      jobs: this.jobs.counts(),
      open_connections: this.sockets.size,
      agent: this.agent?.status() ?? null,
      settings: { ...this.settings, models: undefined },
    };
  }

  describeBehavior(): Record<string, unknown> {
    return describeSpec(this.behavior.active);
  }
}
