// A bounded record of every request each server saw: who asked for what, when its bytes left, and
// how it ended. Scenarios assert on this instead of sleeping and hoping. Each server keeps a ring of
// the newest `capacity` records, so memory stays flat on long runs.
import type { CutName } from './cuts/registry.js';

export type Outcome = 'in_progress' | 'completed' | 'client_aborted' | 'fault';

/** Faults a behavior put on the wire, as recorded in `fault`: a cut (by its name), or an answer in its place. */
export type FaultKind = CutName | 'http_error' | 'custom' | 'hang' | 'busy' | 'cancelled';

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
  for (const ring of rings) for (const r of ring.toArray()) if (r.id > since) out.push(r);
  out.sort((a, b) => a.id - b.id);
  if (q.limit !== undefined && out.length > q.limit) out = out.slice(0, q.limit);
  return out;
}
