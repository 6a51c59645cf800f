// The bounded store of one server's records: a ring of the newest `capacity`, so memory stays flat
// on long runs; and the query across servers behind GET /journal and fleet.journal().
import type { JournalQuery } from './record.js';

export class Ring<T> {
  private items: T[] = [];
  private start = 0;

  constructor(public capacity: number) {}

  push(item: T): void {
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return;
    }
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.capacity;
  }

  toArray(): T[] {
    return this.items.slice(this.start).concat(this.items.slice(0, this.start));
  }

  /** The newest items for which keep() holds, oldest first: scans back from the newest and stops at the first that fails. */
  newestWhile(keep: (item: T) => boolean): T[] {
    const out: T[] = [];
    const n = this.items.length;
    for (let i = 0; i < n; i++) {
      const item = this.items[(this.start + n - 1 - i) % n];
      if (!keep(item)) break;
      out.push(item);
    }
    return out.reverse();
  }

  clear(): void {
    this.items = [];
    this.start = 0;
  }

  get size(): number {
    return this.items.length;
  }
}

/** Records (request or heartbeat records) of these servers newer than `since`, oldest first, at most `limit`. */
export function queryRecords<T extends { id: number }>(perServer: Iterable<readonly T[]>, q: JournalQuery): T[] {
  const since = q.since ?? 0;
  let out: T[] = [];
  for (const records of perServer) for (const r of records) if (r.id > since) out.push(r);
  out.sort((a, b) => a.id - b.id);
  if (q.limit !== undefined && out.length > q.limit) out = out.slice(0, q.limit);
  return out;
}
