// Which installed models are loaded in (simulated) memory. A request for a cold model pays its load
// time; concurrent requests for the same cold model share one load. When a model's last request
// ends, it stays loaded for its keep-alive (0 unloads at once, negative means forever), and loading
// past `maxLoaded` evicts the least recently used idle model, as Ollama's scheduler does.
import { after, now, sleep, type Timer } from './clock.js';
import type { ModelSpec } from './models.js';

export interface LoadedModel {
  spec: ModelSpec;
  refCount: number;
  keepAliveMs: number;
  /** performance-clock ms; Infinity means forever. */
  expiresAt: number;
  lastUsed: number;
  loading: Promise<void> | null;
  timer: Timer | null;
}

export interface Lease {
  /** How long this request waited for the model (0 when it was already loaded). */
  loadMs: number;
  release(): void;
}

export class Residency {
  private readonly loaded = new Map<string, LoadedModel>();

  constructor(
    public maxLoaded: number,
    public defaultKeepAliveMs: number,
    private readonly loadTimeMs: (spec: ModelSpec) => number,
  ) {}

  private unload(key: string): void {
    const m = this.loaded.get(key);
    if (!m) return;
    m.timer?.cancel();
    this.loaded.delete(key);
  }

  private evictForRoom(): void {
    while (this.loaded.size >= this.maxLoaded) {
      const idle = [...this.loaded.entries()].filter(([, m]) => m.refCount === 0 && !m.loading);
      if (idle.length === 0) return; // every loaded model is busy: Ollama would wait; we overcommit
      idle.sort((a, b) => a[1].lastUsed - b[1].lastUsed);
      this.unload(idle[0][0]);
    }
  }

  private scheduleExpiry(key: string, m: LoadedModel): void {
    m.timer?.cancel();
    m.timer = null;
    if (m.keepAliveMs < 0) {
      m.expiresAt = Infinity;
      return;
    }
    m.expiresAt = now() + m.keepAliveMs;
    if (m.keepAliveMs === 0) return this.unload(key);
    m.timer = after(m.keepAliveMs, () => this.unload(key));
  }

  /** Attaches a request to the model, loading it first if needed. */
  async acquire(key: string, spec: ModelSpec, keepAliveMs: number | undefined, loadMsOverride?: number): Promise<Lease> {
    const started = now();
    let m = this.loaded.get(key);
    if (!m) {
      this.evictForRoom();
      m = {
        spec, refCount: 0, keepAliveMs: keepAliveMs ?? this.defaultKeepAliveMs, expiresAt: 0, lastUsed: started,
        loading: null, timer: null,
      };
      const entry = m;
      const loadMs = loadMsOverride ?? this.loadTimeMs(spec);
      entry.expiresAt = started + (entry.keepAliveMs < 0 ? Infinity : entry.keepAliveMs);
      entry.loading = loadMs > 0 ? sleep(loadMs).then(() => { entry.loading = null; }) : null;
      this.loaded.set(key, m);
    }
    m.timer?.cancel();
    m.timer = null;
    if (keepAliveMs !== undefined) m.keepAliveMs = keepAliveMs;
    m.refCount++;
    m.lastUsed = now();
    if (m.loading) await m.loading;
    const entry = m;
    let released = false;
    return {
      loadMs: now() - started,
      release: () => {
        if (released) return;
        released = true;
        entry.refCount--;
        entry.lastUsed = now();
        if (entry.refCount === 0 && this.loaded.get(key) === entry) this.scheduleExpiry(key, entry);
      },
    };
  }

  /** Explicit load (`/api/generate` with no prompt) or unload (`keep_alive: 0`). */
  async load(key: string, spec: ModelSpec, keepAliveMs: number | undefined): Promise<void> {
    (await this.acquire(key, spec, keepAliveMs)).release();
  }

  unloadNow(key: string): void {
    const m = this.loaded.get(key);
    if (m && m.refCount === 0) this.unload(key);
    else if (m) m.keepAliveMs = 0;
  }

  isLoaded(key: string): boolean {
    const m = this.loaded.get(key);
    return !!m && !m.loading;
  }

  /** Marks a model loaded without paying the load time (control API `/loaded-model`). */
  markLoaded(key: string, spec: ModelSpec): void {
    if (this.loaded.has(key)) return;
    this.evictForRoom();
    const m: LoadedModel = { spec, refCount: 0, keepAliveMs: this.defaultKeepAliveMs, expiresAt: 0, lastUsed: now(), loading: null, timer: null };
    this.loaded.set(key, m);
    this.scheduleExpiry(key, m);
  }

  list(): LoadedModel[] {
    return [...this.loaded.values()].filter((m) => !m.loading);
  }

  clear(): void {
    for (const key of [...this.loaded.keys()]) this.unload(key);
  }
}
