// A bounded record of every request each server saw: who asked for what, when its bytes left, and
// how it ended. Scenarios assert on this instead of sleeping and hoping. Each server keeps a ring of
// the newest `capacity` records, so memory stays flat on long runs.

export type Outcome = 'in_progress' | 'completed' | 'client_aborted' | 'fault';

/** Faults a behavior put on the wire, as recorded in `fault`. */
export type FaultKind =
  | 'http_error' | 'custom' | 'hang' | 'reset' | 'fin' | 'stall' | 'inband_error' | 'truncate'
  | 'malformed_json' | 'malformed_framing' | 'busy' | 'cancelled';

export interface JournalRecord {
  /** Fleet-wide increasing id; `GET /journal?since=ID` returns newer records. */
  id: number;
  /** Per-server sequence number, from 1. */
  seq: number;
  server: number;
  method: string;
  path: string;
  query: string;
  model: string | null;
  stream: boolean | null;
  /** The request body as text, cut at `bodyCap` characters. */
  body: string;
  bodyBytes: number;
  bodySha256: string;
  behavior: string;
  /** Epoch milliseconds (fractional). */
  arrivedAt: number;
  /** When generation began: after queueing for a slot and loading the model. */
  startedAt: number | null;
  firstByteAt: number | null;
  endedAt: number | null;
  status: number | null;
  bytesWritten: number;
  linesWritten: number;
  tokensWritten: number;
  outcome: Outcome;
  fault: FaultKind | null;
  /** For client_aborted: how many tokens had been written when the client went away. */
  abortedAfterTokens: number | null;
}

export interface JournalQuery {
  port?: number;
  since?: number;
  limit?: number;
}

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

export function queryRecords(rings: Iterable<Ring<JournalRecord>>, q: JournalQuery): JournalRecord[] {
  const since = q.since ?? 0;
  let out: JournalRecord[] = [];
  // A ring holds its records in id order (an id is taken and the record pushed in one step), so
  // only the records after `since` are visited: polling for what is new costs what is new.
  for (const ring of rings) for (const r of ring.newestWhile((r) => r.id > since)) out.push(r);
  out.sort((a, b) => a.id - b.id);
  if (q.limit !== undefined && out.length > q.limit) out = out.slice(0, q.limit);
  return out;
}
