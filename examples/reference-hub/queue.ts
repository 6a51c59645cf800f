// Jobs waiting for a node: when every node that has the model is full with this hub's jobs, a job
// waits here (first come, first served) until one frees up, at most `timeoutMs`. Past `limit`
// waiting jobs a new one is refused at once, so no job is ever lost: it runs, or its client gets
// a clear 503. (Defect queue-drops-oldest: a ring that silently evicts the oldest waiting job.)
import type { Defects } from './defects.js';
import type { NodeEntry } from './registry.js';

export class QueueFull extends Error {}
export class WaitedTooLong extends Error {}
/** No node has the model any more (every candidate went offline or was removed while it waited). */
export class NoCandidate extends Error {}

/** What a waiting job needs decided: a free node now, none at all, or keep waiting. */
export type Pick = { node: NodeEntry } | 'none' | 'wait';

interface Waiter {
  label: string;
  pick(): Pick;
  resolve(node: NodeEntry): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class WaitQueue {
  private waiting: Waiter[] = [];

  constructor(
    private readonly limit: number,
    private readonly timeoutMs: number,
    private readonly defects: Defects,
  ) {}

  get length(): number {
    return this.waiting.length;
  }

  /** Resolves with the node the job may use (already chosen by `pick`), or rejects with why not. */
  wait(label: string, pick: () => Pick, signal: AbortSignal): Promise<NodeEntry> {
    return new Promise((resolve, reject) => {
      if (this.waiting.length >= this.limit) {
        if (!this.defects.has('queue-drops-oldest')) return reject(new QueueFull(`All nodes are busy and the job queue is full (${this.limit} waiting)`));
        const evicted = this.waiting.shift()!; // the ring overwrites its oldest entry; nobody answers that job
        clearTimeout(evicted.timer);
      }
      const waiter: Waiter = {
        label,
        pick,
        resolve,
        reject,
        timer: setTimeout(() => this.drop(waiter, new WaitedTooLong(`No node became free within ${this.timeoutMs} ms`)), this.timeoutMs),
      };
      signal.addEventListener('abort', () => this.drop(waiter, new Error('the client went away')), { once: true });
      this.waiting.push(waiter);
    });
  }

  /** Nodes may be free: hand them out in arrival order. */
  wake(): void {
    for (const waiter of [...this.waiting]) {
      const pick = waiter.pick();
      if (pick === 'wait') continue;
      this.remove(waiter);
      if (pick === 'none') waiter.reject(new NoCandidate('No healthy nodes available for requested model'));
      else waiter.resolve(pick.node);
    }
  }

  /** Refuses every waiting job (the hub is shutting down). */
  clear(reason: string): void {
    for (const waiter of [...this.waiting]) this.drop(waiter, new Error(reason));
  }

  private drop(waiter: Waiter, err: Error): void {
    if (!this.remove(waiter)) return;
    waiter.reject(err);
  }

  private remove(waiter: Waiter): boolean {
    const i = this.waiting.indexOf(waiter);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    clearTimeout(waiter.timer);
    return true;
  }
}
