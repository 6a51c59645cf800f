// The backend pool: each backend's in-flight count, health and installed models, and the routing
// choice among them (least busy, ties round-robin, conversation affinity, model filter).
import http from 'node:http';
import type { Defects } from './defects.js';
import { Health, type HealthState } from './health.js';
import { entryNames, normalizeModel, parseTags, unionTags, type TagEntry } from './models.js';

export type Log = (line: string) => void;

const TAGS_INTERVAL_MS = 2000;
const PROBE_INTERVAL_MS = 500;
const CONTROL_TIMEOUT_MS = 3000; // /api/tags and the probe are cheap even on a loaded Ollama
const FIRST_TAGS_WAIT_MS = 1000; // start serving even if some backend is slow to list its models
const AFFINITY_ENTRIES = 10_000;

/** `http://host:port[/prefix]` without a trailing slash; throws on anything else. */
export function parseBackendUrl(text: string): string {
  const url = new URL(text.trim());
  if (url.protocol !== 'http:') throw new Error(`backend ${text}: only http:// is supported`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export class Backend {
  inFlight = 0;
  /** Normalised names from the last good /api/tags; null until the first one (then: eligible). */
  models: Set<string> | null = null;
  tags: TagEntry[] = [];
  readonly health: Health;
  /** The /api/tags fetch in flight: a second caller (start() after setUrls) waits for it too. */
  tagsPending: Promise<void> | null = null;
  probePending = false;

  constructor(
    readonly url: string,
    defects: Defects,
    onHealth: (b: Backend, state: HealthState, reason: string) => void,
  ) {
    this.health = new Health(defects, (state, reason) => onHealth(this, state, reason));
  }

  hasModel(model: string | undefined): boolean {
    return model === undefined || this.models === null || this.models.has(normalizeModel(model));
  }
}

export type PickQuery = {
  model?: string;
  affinityKey?: string;
  exclude: ReadonlySet<Backend>;
  /** When nothing is available, take the backend whose cooldown ends soonest. */
  fallback: boolean;
  /** race-ignore-health: every eligible backend counts as available. */
  ignoreHealth?: boolean;
  /**
   * Leave the round-robin turn where it is (a race's extra racers): the turn moves once per request,
   * so the first racer, which is asked first and wins a tie, rotates over the backends.
   */
  keepTurn?: boolean;
};

export class BackendPool {
  private list: Backend[] = [];
  private lastPicked = -1;
  private readonly affinity = new Map<string, string>();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly defects: Defects,
    private readonly log: Log,
  ) {}

  get backends(): readonly Backend[] {
    return this.list;
  }

  /** Replaces the backend list: new ones start healthy, removed ones get no new requests. */
  setUrls(urls: readonly string[]): void {
    const wanted = new Set(urls);
    for (const b of this.list.filter((b) => !wanted.has(b.url))) this.log(`backend ${b.url} removed`);
    this.list = this.list.filter((b) => wanted.has(b.url));
    for (const url of wanted) {
      if (this.list.some((b) => b.url === url)) continue;
      const backend = new Backend(url, this.defects, (b, state, reason) => this.onHealth(b, state, reason));
      this.list.push(backend);
      this.log(`backend ${url} added`);
      void this.refreshTags(backend);
    }
  }

  /** Whether any backend (healthy or not) has the model, or might have it (list not known yet). */
  anyServes(model: string): boolean {
    return this.list.some((b) => b.hasModel(model));
  }

  pick(q: PickQuery): Backend | undefined {
    const now = Date.now();
    const eligible = this.list.filter((b) => !q.exclude.has(b) && b.hasModel(q.model));
    const open = q.ignoreHealth ? eligible : eligible.filter((b) => b.health.available(now));
    if (open.length === 0) return q.fallback ? soonestCooldown(eligible) : undefined;
    if (this.defects.has('sticky-first')) return open[0];
    if (this.defects.has('no-affinity')) return this.roundRobin(open, q.keepTurn);
    const least = Math.min(...open.map((b) => b.inFlight));
    return this.warm(q.affinityKey, open, least) ?? this.roundRobin(open.filter((b) => b.inFlight === least), q.keepTurn);
  }

  /** Every eligible available backend already has a request in flight (for reject-when-busy). */
  allBusy(model: string | undefined): boolean {
    const open = this.list.filter((b) => b.hasModel(model) && b.health.available(Date.now()));
    return open.length > 0 && open.every((b) => b.inFlight > 0);
  }

  /** Remembers which backend served a conversation, so its KV cache is reused next time. */
  remember(affinityKey: string | undefined, backend: Backend): void {
    if (affinityKey === undefined) return;
    this.affinity.delete(affinityKey); // re-insert: Map order doubles as LRU order
    this.affinity.set(affinityKey, backend.url);
    if (this.affinity.size > AFFINITY_ENTRIES) this.affinity.delete(this.affinity.keys().next().value as string);
  }

  /** The models of all healthy backends, de-duplicated (or only the first backend's: a defect). */
  tagsUnion(): TagEntry[] {
    if (this.defects.has('tags-first-only')) return unionTags([this.list[0]?.tags ?? []]);
    return unionTags(this.list.filter((b) => b.health.state === 'healthy').map((b) => b.tags));
  }

  /** Fetches every model list once (bounded wait), then keeps lists and probes running. */
  async start(): Promise<void> {
    const first = Promise.all(this.list.map((b) => this.refreshTags(b)));
    await Promise.race([first, new Promise((r) => setTimeout(r, FIRST_TAGS_WAIT_MS).unref())]);
    this.every(TAGS_INTERVAL_MS, () => this.list.forEach((b) => void this.refreshTags(b)));
    this.every(PROBE_INTERVAL_MS, () => this.list.forEach((b) => void this.probe(b)));
  }

  stop(): void {
    this.timers.forEach(clearInterval);
  }

  private every(ms: number, fn: () => void): void {
    this.timers.push(setInterval(fn, ms));
  }

  /** The backend that last served this conversation, unless it is more than one request busier. */
  private warm(key: string | undefined, open: Backend[], least: number): Backend | undefined {
    const url = key === undefined ? undefined : this.affinity.get(key);
    const b = open.find((o) => o.url === url);
    return b !== undefined && b.health.state === 'healthy' && b.inFlight <= least + 1 ? b : undefined;
  }

  /** The next candidate after the last picked one, in list order. */
  private roundRobin(candidates: Backend[], keepTurn = false): Backend {
    const n = this.list.length;
    for (let i = 1; i <= n; i++) {
      const index = (this.lastPicked + i) % n;
      if (candidates.includes(this.list[index]!)) {
        if (!keepTurn) this.lastPicked = index;
        return this.list[index]!;
      }
    }
    return candidates[0]!;
  }

  private onHealth(b: Backend, state: HealthState, reason: string): void {
    this.log(`backend ${b.url} ${state}: ${reason}`);
    if (state === 'healthy') void this.refreshTags(b); // its models may have changed while it was down
  }

  private refreshTags(b: Backend): Promise<void> {
    b.tagsPending ??= this.fetchTags(b).finally(() => (b.tagsPending = null));
    return b.tagsPending;
  }

  private async fetchTags(b: Backend): Promise<void> {
    try {
      const { status, text } = await httpGet(`${b.url}/api/tags`, CONTROL_TIMEOUT_MS);
      if (status !== 200) return;
      const tags = parseTags(text);
      const models = new Set(tags.flatMap(entryNames));
      if (b.models === null || [...models].sort().join() !== [...b.models].sort().join()) {
        this.log(`backend ${b.url} models: ${[...models].sort().join(', ') || '(none)'}`);
      }
      b.tags = tags;
      b.models = models;
    } catch {
      // Keep the last known list: a backend that is down is handled by health, not by forgetting.
    }
  }

  /** Active probe: only for unhealthy backends, and it can only end a cooldown early. */
  private async probe(b: Backend): Promise<void> {
    const probeOnly = this.defects.has('probe-only-health');
    b.health.tick(Date.now());
    if (b.probePending || (!probeOnly && b.health.state !== 'unhealthy')) return;
    b.probePending = true;
    try {
      const { status } = await httpGet(`${b.url}/`, CONTROL_TIMEOUT_MS);
      if (status === 200) b.health.probeOk();
      else b.health.fail(`probe answered ${status}`, 'probe', Date.now());
    } catch (err) {
      b.health.fail(`probe: ${describeError(err)}`, 'probe', Date.now());
    } finally {
      b.probePending = false;
    }
  }
}

function soonestCooldown(backends: Backend[]): Backend | undefined {
  return backends.reduce<Backend | undefined>(
    (best, b) => (best === undefined || b.health.cooldownUntil < best.health.cooldownUntil ? b : best),
    undefined,
  );
}

/** The short reason used in logs and in 502 bodies: an errno code when there is one. */
export function describeError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; errors?: unknown };
  if (Array.isArray(e?.errors) && e.errors.length > 0) return describeError(e.errors.at(-1));
  if (typeof e?.code === 'string' && !e.code.startsWith('ERR_')) return e.code;
  return typeof e?.message === 'string' ? e.message : String(err);
}

/** A small GET for the balancer's own control traffic (model lists, probes). */
function httpGet(url: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs}ms`)));
    req.on('error', reject);
  });
}
