// Parallel slots per server, like OLLAMA_NUM_PARALLEL: a request takes a slot or waits in a FIFO
// queue; past `maxQueue` waiting requests it is refused at once (Ollama's 503 "server busy").

export class QueueFullError extends Error {
  constructor() {
    super('server busy, please try again.  maximum pending requests exceeded');
  }
}

interface Waiter {
  grant: () => void;
}

export class SlotScheduler {
  private busy = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    public numParallel: number,
    public maxQueue: number,
  ) {}

  get busySlots(): number {
    return this.busy;
  }

  get queueLength(): number {
    return this.waiting.length;
  }

  /** A slot at once when one is free and nobody queues (no promise, no AbortSignal needed), else null. */
  tryAcquire(): (() => void) | null {
    if (this.busy >= this.numParallel || this.waiting.length !== 0) return null;
    this.busy++;
    return this.releaser();
  }

  /**
   * Resolves with a release function once a slot is free, or with null if the signal aborted while
   * waiting (the client went away: its place in the queue is given up). Throws QueueFullError.
   */
  acquire(signal: AbortSignal): Promise<(() => void) | null> {
    const free = this.tryAcquire();
    if (free) return Promise.resolve(free);
    if (this.waiting.length >= this.maxQueue) throw new QueueFullError();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          this.busy++;
          resolve(this.releaser());
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i !== -1) this.waiting.splice(i, 1);
        resolve(null);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.busy--;
      this.pump();
    };
  }

  /** Grants freed slots to waiters in arrival order; also used when numParallel grows. */
  pump(): void {
    while (this.busy < this.numParallel && this.waiting.length > 0) this.waiting.shift()!.grant();
  }
}
