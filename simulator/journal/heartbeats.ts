// One server's heartbeat journal: the heartbeats it sent as a node agent and what its hub answered,
// in a ring of the newest `capacity` like the request journal. The only code that changes a
// heartbeat record: sent -> answered | failed. The fleet hears of each one that ended.
import { epochMs } from '../engine/clock.js';
import type { HeartbeatRecord } from './record.js';
import { Ring } from './ring.js';
import { JOURNAL_BODY_CAP } from './writer.js';

/** What a server's heartbeat journal needs from its fleet. */
export interface HeartbeatFleet {
  /** The same fleet-wide sequence request records take their ids from. */
  nextRecordId(): number;
  heartbeatEnded(record: HeartbeatRecord): void;
}

export class HeartbeatJournal {
  private readonly ring: Ring<HeartbeatRecord>;

  constructor(
    capacity: number,
    private readonly fleet: HeartbeatFleet,
  ) {
    this.ring = new Ring(capacity);
  }

  /** A heartbeat is about to leave. */
  sent(port: number, nodeId: string, url: string, payload: Record<string, unknown>, overridden: string[]): HeartbeatRecord {
    const record: HeartbeatRecord = {
      id: this.fleet.nextRecordId(), server: port, nodeId, url, payload, overridden,
      sentAt: epochMs(), endedAt: null, latencyMs: null, status: null, answer: '', error: null, outcome: 'in_progress',
    };
    this.ring.push(record);
    return record;
  }

  /** The hub answered (any status). */
  answered(r: HeartbeatRecord, status: number, body: string): void {
    r.status = status;
    r.answer = body.length > JOURNAL_BODY_CAP ? body.slice(0, JOURNAL_BODY_CAP) : body;
    this.end(r, 'answered');
  }

  /** No answer: the connection failed, timed out, or the agent stopped first. */
  failed(r: HeartbeatRecord, error: string): void {
    r.error = error;
    this.end(r, 'failed');
  }

  private end(r: HeartbeatRecord, outcome: 'answered' | 'failed'): void {
    if (r.outcome !== 'in_progress') return;
    r.outcome = outcome;
    r.endedAt = epochMs();
    r.latencyMs = r.endedAt - r.sentAt;
    this.fleet.heartbeatEnded(r);
  }

  /** The records kept, oldest first. */
  records(): HeartbeatRecord[] {
    return this.ring.toArray();
  }

  clear(): void {
    this.ring.clear();
  }
}
