// One worker thread of a --workers fleet, as the control thread sees it: calls with a reply each,
// the ports it holds now, its ended records, and its death. A worker that exits without being
// asked fails every call in progress and every later one with an error naming it and its ports,
// and emits 'crash': nothing waits forever on a thread that is gone.
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { WORKER_GONE } from '../control/app.js';
import { receivedError, type Call, type CallResult, type FromWorker, type ToWorker, type WorkerInit } from './protocol.js';

/** worker.ts next to this file; under tsx (a .ts file) the thread registers tsx before importing it. */
function spawnWorker(init: WorkerInit): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./worker.js', here), { workerData: init });
  const entry = JSON.stringify(new URL('./worker.ts', here).href);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return new Worker(`import(${tsx}).then((tsx) => { tsx.register(); return import(${entry}); })`, { eval: true, workerData: init });
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/** A call to a worker that died: the control API answers it 503 with this message. */
export class WorkerCrash extends Error {
  readonly code = WORKER_GONE;
}

export class WorkerHost extends EventEmitter {
  /** Its servers' ports after the last reply, in port order. */
  ports: number[] = [];
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private crash: WorkerCrash | null = null;
  private stopping = false;

  constructor(readonly init: WorkerInit) {
    super();
    this.worker = spawnWorker(init);
    this.worker.on('message', (m: FromWorker) => this.receive(m));
    this.worker.on('error', (e) => this.died(`failed: ${e.stack ?? e.message}`));
    this.worker.on('exit', (code) => this.died(`exited with code ${code}`));
  }

  /** "worker 2 (ports 11503, 11505)": how errors name it. */
  get label(): string {
    return `worker ${this.init.index + 1} (ports ${this.ports.join(', ') || 'none'})`;
  }

  call<K extends Call['op']>(call: Extract<Call, { op: K }>): Promise<CallResult[K]> {
    if (this.crash) return Promise.reject(this.crash);
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.post({ kind: 'call', id, call });
    });
  }

  subscribe(records: boolean): void {
    if (!this.crash) this.post({ kind: 'subscribe', records });
  }

  /** Stops its servers, then the thread. */
  async stop(): Promise<void> {
    if (this.crash) return;
    this.stopping = true;
    await this.call({ op: 'stop' }).catch(() => {});
    await this.worker.terminate();
  }

  /** Ends the thread at once (tests: what a crash looks like to the fleet). */
  kill(): Promise<number> {
    return this.worker.terminate();
  }

  private post(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  private receive(m: FromWorker): void {
    if (m.kind !== 'reply') {
      this.emit(m.kind, m.record);
      return;
    }
    this.ports = m.ports;
    const p = this.pending.get(m.id);
    this.pending.delete(m.id);
    if (m.error) p?.reject(receivedError(m.error));
    else p?.resolve(m.result);
  }

  private died(how: string): void {
    if (this.crash) return;
    this.crash = new WorkerCrash(`ollama-sim: ${this.label} ${how}${this.stopping ? '' : ': its servers are gone'}`);
    for (const p of this.pending.values()) p.reject(this.crash);
    this.pending.clear();
    if (!this.stopping) this.emit('crash', this.crash);
  }
}
