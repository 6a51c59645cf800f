// Waiting on the journal: the first record (request or heartbeat) that has ended and matches, seen
// already or announced later by the fleet's event, with a deadline whose error lists what was seen.
import type { EventEmitter } from 'node:events';
import type { HeartbeatRecord, JournalRecord } from './record.js';

export interface WaitFor<T extends { id: number }> {
  emitter: EventEmitter;
  /** The event the fleet emits when such a record ends. */
  event: string;
  /** The records kept now, newer than `since` (a worker fleet asks its workers: a promise). */
  existing(): T[] | Promise<T[]>;
  ended(record: T): boolean;
  predicate(record: T): boolean;
  timeoutMs: number;
  since: number;
  /** "journal record", "heartbeat record": for the error. */
  what: string;
  /** One record, for the error. */
  describe(record: T): string;
}

/** The wait for an ended journal record (fleet.waitForRecord, in one thread or over workers). */
export function recordWait(emitter: EventEmitter, existing: () => JournalRecord[] | Promise<JournalRecord[]>, predicate: (r: JournalRecord) => boolean, timeoutMs: number, since: number): WaitFor<JournalRecord> {
  return {
    // Ended, not merely decided: a hung or stalled response is a fault from its start, yet runs on.
    emitter, event: 'record', existing, ended: (r) => r.endedAt !== null,
    predicate, timeoutMs, since, what: 'journal record',
    describe: (r) => `${r.server} ${r.method} ${r.path} ${r.outcome}${r.fault ? `/${r.fault}` : ''}`,
  };
}

/** The wait for a heartbeat that has ended (answered or failed). */
export function heartbeatWait(emitter: EventEmitter, existing: () => HeartbeatRecord[] | Promise<HeartbeatRecord[]>, predicate: (h: HeartbeatRecord) => boolean, timeoutMs: number, since: number): WaitFor<HeartbeatRecord> {
  return {
    emitter, event: 'heartbeat', existing, ended: (h) => h.outcome !== 'in_progress',
    predicate, timeoutMs, since, what: 'heartbeat record',
    describe: (h) => `${h.server} ${h.nodeId} ${h.outcome} ${h.status ?? h.error ?? ''}`.trimEnd(),
  };
}

export function waitForEntry<T extends { id: number }>(w: WaitFor<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const onEnded = (r: T) => {
      if (r.id <= w.since || !w.predicate(r)) return;
      cleanup();
      resolve(r);
    };
    const timer = setTimeout(async () => {
      cleanup();
      const seen = (await w.existing()).map(w.describe);
      reject(new Error(`no matching ${w.what} within ${w.timeoutMs} ms; records since ${w.since}: ${seen.join('; ') || '(none)'}`));
    }, w.timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      w.emitter.off(w.event, onEnded);
    };
    // Listening before looking: a record that ends while `existing` is being answered is heard.
    w.emitter.on(w.event, onEnded);
    Promise.resolve(w.existing()).then((records) => {
      const done = records.find((r) => w.ended(r) && w.predicate(r));
      if (!done) return;
      cleanup();
      resolve(done);
    }, (e: unknown) => {
      cleanup();
      reject(e);
    });
  });
}
