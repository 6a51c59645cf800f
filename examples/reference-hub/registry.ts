// The node registry: one entry per node_id, upserted by each heartbeat. A node is `online` while
// its last heartbeat is younger than the TTL, `offline` after it, removed after the removal delay;
// `degraded` for a cooldown after N consecutive failed jobs, then it gets one trial job. The
// choice of node: online, has the model, not full; the least busy first (the hub's own jobs on it,
// then the CPU it reports, then its failures), a node that failed this model last.
import type { Defects } from './defects.js';
import type { Heartbeat } from './validate.js';

export type Log = (line: string) => void;
export type NodeStatus = 'online' | 'offline' | 'degraded';

export interface RegistryOptions {
  ttlMs: number;
  removeMs: number;
  maxFailures: number;
  degradedMs: number;
  /** The hub's jobs one node runs at once; more wait in the hub's queue. */
  jobsPerNode: number;
  defects: Defects;
  log: Log;
}

/** `llama3` and `LLAMA3:latest` are one model. */
export function normalizeModel(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.includes(':') ? lower : `${lower}:latest`;
}

export class NodeEntry {
  ipv4: string | null = null;
  ipv6: string | null = null;
  port = 0;
  models = new Set<string>();
  advertised: string[] = [];
  metadata: Record<string, unknown> = {};
  load: Heartbeat['load'] = null;
  reportedActiveJobs: number | null = null;
  lastSeen = 0;
  /** Jobs this hub has running on the node now. */
  activeJobs = 0;
  /** Consecutive failed jobs. */
  failures = 0;
  degradedUntil: number | null = null;
  /** Models a job failed on here and none has succeeded since: tried last for them. */
  readonly failedModels = new Set<string>();
  offlineLogged = false;

  constructor(
    readonly nodeId: string,
    /** Registration order, for round-robin ties. */
    readonly order: number,
  ) {}

  get baseUrl(): string {
    const host = this.ipv4 ?? (this.ipv6 === null ? '127.0.0.1' : `[${this.ipv6}]`);
    return `http://${host}:${this.port}`;
  }
}

export class Registry {
  private readonly nodes = new Map<string, NodeEntry>();
  private registered = 0;
  private turn = 0;
  /** Called when nodes may have become free or eligible (a heartbeat, a job ended, a cooldown over). */
  onChange: () => void = () => {};

  constructor(private readonly o: RegistryOptions) {}

  /** Upserts the node from its heartbeat; a missing address is the connection's remote one. */
  heartbeat(hb: Heartbeat, remote: string | undefined, now: number): NodeEntry {
    let node = this.nodes.get(hb.node_id);
    const fresh = node === undefined;
    if (!node) {
      node = new NodeEntry(hb.node_id, this.registered++);
      this.nodes.set(hb.node_id, node);
    }
    const wasOffline = !fresh && this.status(node, now) === 'offline';
    const before = node.baseUrl;
    if (fresh || !this.o.defects.has('keep-first-address')) {
      const remoteIsV6 = remote?.includes(':') ?? false;
      node.ipv4 = hb.ipv4 ?? (remote && !remoteIsV6 ? remote : null);
      node.ipv6 = hb.ipv6 ?? (remote && remoteIsV6 ? remote.replace(/^::ffff:/, '') : null);
      if (node.ipv4 === null && node.ipv6?.match(/^\d+\.\d+\.\d+\.\d+$/)) [node.ipv4, node.ipv6] = [node.ipv6, null];
      node.port = hb.port;
    }
    node.advertised = hb.models;
    node.models = new Set(hb.models.map(normalizeModel));
    node.metadata = hb.metadata;
    node.load = hb.load;
    node.reportedActiveJobs = hb.active_jobs;
    node.lastSeen = now;
    node.offlineLogged = false;
    if (fresh) this.o.log(`node ${node.nodeId} registered at ${node.baseUrl} (models: ${hb.models.join(', ') || 'none'})`);
    else if (node.baseUrl !== before) this.o.log(`node ${node.nodeId} moved to ${node.baseUrl}`);
    if (wasOffline) this.o.log(`node ${node.nodeId} back online`);
    this.onChange();
    return node;
  }

  get(nodeId: string): NodeEntry | undefined {
    return this.nodes.get(nodeId);
  }

  all(): NodeEntry[] {
    return [...this.nodes.values()];
  }

  status(node: NodeEntry, now: number): NodeStatus {
    if (!this.o.defects.has('no-ttl') && now - node.lastSeen > this.o.ttlMs) return 'offline';
    if (node.degradedUntil !== null && now < node.degradedUntil) return 'degraded';
    return 'online';
  }

  /** Online nodes that advertise the model, best first; `busy` ones (full with this hub's jobs) included. */
  candidates(model: string, now: number, exclude: ReadonlySet<NodeEntry> = new Set()): Array<{ node: NodeEntry; full: boolean }> {
    const key = normalizeModel(model);
    const eligible = this.all().filter((n) => !exclude.has(n) && n.models.has(key) && this.status(n, now) === 'online');
    const count = Math.max(1, this.registered);
    const rank = (n: NodeEntry): number[] => [
      this.o.defects.has('forget-model-failures') ? 0 : n.failedModels.has(key) ? 1 : 0,
      n.activeJobs,
      this.o.defects.has('ignore-reported-load') ? 0 : n.load?.cpu ?? 1,
      n.failures,
      (((n.order - this.turn) % count) + count) % count, // ties take turns
    ];
    const ranked = eligible.map((n) => ({ n, r: rank(n) })).sort((a, b) => compare(a.r, b.r));
    return ranked.map(({ n }) => ({ node: n, full: n.activeJobs >= this.o.jobsPerNode }));
  }

  /** A job goes to the node: it counts as busy with it. */
  jobStarted(node: NodeEntry): void {
    node.activeJobs += 1;
    this.turn += 1;
  }

  /** The job ended: `ok` clears the node's failures, a failure counts towards degraded; null says nothing (the client left). */
  jobEnded(node: NodeEntry, model: string, ok: boolean | null, now: number): void {
    node.activeJobs = Math.max(0, node.activeJobs - 1);
    const key = normalizeModel(model);
    if (ok === true) {
      node.failures = 0;
      node.failedModels.delete(key);
    } else if (ok === false) {
      node.failures += 1;
      node.failedModels.add(key);
      if (node.failures >= this.o.maxFailures) this.degrade(node, now);
    }
    this.onChange();
  }

  private degrade(node: NodeEntry, now: number): void {
    node.degradedUntil = now + this.o.degradedMs;
    // After the cooldown it is online with one failure to spare: a trial job proves it or degrades it again.
    node.failures = this.o.maxFailures - 1;
    this.o.log(`node ${node.nodeId} degraded after ${this.o.maxFailures} failures, for ${this.o.degradedMs} ms`);
    setTimeout(() => this.onChange(), this.o.degradedMs + 1).unref();
  }

  /** Logs nodes that went offline, removes the ones silent past the removal delay. */
  sweep(now: number): void {
    for (const node of this.all()) {
      const silent = now - node.lastSeen;
      if (this.o.defects.has('no-ttl')) continue;
      if (silent > this.o.removeMs) {
        this.nodes.delete(node.nodeId);
        this.o.log(`node ${node.nodeId} removed: no heartbeat for ${Math.round(silent)} ms`);
        this.onChange();
      } else if (silent > this.o.ttlMs && !node.offlineLogged) {
        node.offlineLogged = true;
        this.o.log(`node ${node.nodeId} offline: no heartbeat for ${Math.round(silent)} ms`);
        this.onChange();
      }
    }
  }

  /** GET /nodes: the seed hub's NodeInfo plus its bookkeeping. */
  describe(node: NodeEntry, now: number): Record<string, unknown> {
    return {
      node_id: node.nodeId, ipv4: node.ipv4, ipv6: node.ipv6, port: node.port, models: node.advertised,
      metadata: node.metadata, load: node.load, last_seen: new Date(node.lastSeen).toISOString(),
      status: this.status(node, now), active_jobs: node.activeJobs, failure_count: node.failures,
    };
  }
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
