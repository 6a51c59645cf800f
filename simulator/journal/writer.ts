// One server's journal: its ring of records and the only code that changes a record. A request's
// record goes through begin -> body, request, behavior -> started -> responded, wrote... -> fault?
// -> ended; each step is one call here with the record as its first argument, so the hot path
// (one `wrote` per token) allocates nothing. The counters /metrics and /request-count read are
// kept here too, bumped when a record begins and ends, so they outlive the ring's bound.
import { epochMs } from '../engine/clock.js';
import type { FaultKind, JobState, JobTrace, JournalRecord } from './record.js';
import { Ring } from './ring.js';

/** The request body is kept in the record up to this many characters (size and hash are of all of it). */
export const JOURNAL_BODY_CAP = 4096;

/** What a server's journal needs from its fleet. */
export interface JournalFleet {
  /** Record ids increase across the whole fleet (`GET /journal?since=ID`). */
  nextRecordId(): number;
  /** Hears of every record that ended (fleet.waitForRecord). */
  recordEnded(record: JournalRecord): void;
}

const KEY_SEP = '\u0000';

export interface OutcomeCount {
  endpoint: string;
  outcome: string;
  fault: string;
  count: number;
}

export class JournalWriter {
  private readonly ring: Ring<JournalRecord>;
  /** Per-server request number of the last record (never reset). */
  private seq = 0;
  /** HTTP requests read since the counters were cleared. */
  requestCount = 0;
  /** Ended requests by "endpoint, outcome, fault". */
  private readonly outcomes = new Map<string, number>();

  constructor(
    capacity: number,
    private readonly fleet: JournalFleet,
  ) {
    this.ring = new Ring(capacity);
  }

  /** A request was read (its head): a new record, in progress. */
  begin(port: number, method: string, url: string): JournalRecord {
    this.requestCount++;
    const q = url.indexOf('?');
    const record: JournalRecord = {
      id: this.fleet.nextRecordId(), seq: ++this.seq, server: port, method,
      path: q === -1 ? url : url.slice(0, q), query: q === -1 ? '' : url.slice(q + 1),
      model: null, stream: null, body: '', bodyBytes: 0, bodySha256: '', behavior: 'Normal',
      arrivedAt: epochMs(), startedAt: null, firstByteAt: null, endedAt: null, status: null,
      bytesWritten: 0, linesWritten: 0, tokensWritten: 0, writtenSha256: '', outcome: 'in_progress', fault: null, abortedAfterTokens: null,
    };
    this.ring.push(record);
    return record;
  }

  /** The body arrived: its size and SHA-256 ('' for an empty body). */
  body(r: JournalRecord, bytes: number, sha256: string): void {
    r.bodyBytes = bytes;
    r.bodySha256 = sha256;
  }

  /** What the body asked for: its text (capped), and `model` and `stream` when it is JSON that has them. */
  request(r: JournalRecord, text: string, model: string | null, stream: boolean | null): void {
    r.body = text.length > JOURNAL_BODY_CAP ? text.slice(0, JOURNAL_BODY_CAP) : text;
    r.model = model;
    if (stream !== null) r.stream = stream;
  }

  /** The behavior type that applied (Normal when none matched). */
  behavior(r: JournalRecord, type: string): void {
    r.behavior = type;
  }

  /** Whether the response streams, as the handler resolved it (the body's field may be absent). */
  streaming(r: JournalRecord, stream: boolean): void {
    r.stream = stream;
  }

  /** Generation began: after queueing for a slot and loading the model. */
  started(r: JournalRecord): void {
    r.startedAt = epochMs();
  }

  /** The status line was decided. */
  responded(r: JournalRecord, status: number): void {
    r.status = status;
  }

  /** Bytes of the response left (headers only: 0 bytes). The first call is the first byte. */
  wrote(r: JournalRecord, bytes: number, lines: number, tokens: number): void {
    if (r.firstByteAt === null) r.firstByteAt = epochMs();
    r.bytesWritten += bytes;
    r.linesWritten += lines;
    r.tokensWritten += tokens;
  }

  /** A non-streamed body that holds this many tokens is about to go out (a stream counts them per write). */
  bodyTokens(r: JournalRecord, tokens: number): void {
    r.tokensWritten = tokens;
  }

  /** Bytes left that are not body bytes (a header flush, bytes outside HTTP framing). */
  firstByte(r: JournalRecord): void {
    if (r.firstByteAt === null) r.firstByteAt = epochMs();
  }

  /** A behavior put this fault on the wire; the first one is what the record keeps. */
  fault(r: JournalRecord, kind: FaultKind): void {
    if (r.outcome === 'in_progress') {
      r.outcome = 'fault';
      r.fault = kind;
    }
  }

  /**
   * The response is over: `finished` if it was written to the end, else the client left first.
   * `endpoint` is its route pattern (or `unrouted`), the label /metrics counts it under;
   * `writtenSha256` the hash of every body byte `wrote` counted.
   */
  ended(r: JournalRecord, finished: boolean, endpoint: string, writtenSha256: string): void {
    r.endedAt = epochMs();
    r.writtenSha256 = writtenSha256;
    if (r.outcome === 'in_progress') {
      if (finished) {
        r.outcome = 'completed';
      } else {
        r.outcome = 'client_aborted';
        r.abortedAfterTokens = r.tokensWritten;
      }
    }
    const key = endpoint + KEY_SEP + r.outcome + KEY_SEP + (r.fault ?? '');
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
    this.fleet.recordEnded(r);
  }

  /** Ended requests by endpoint, outcome and fault ('' for none). */
  outcomeCounts(): OutcomeCount[] {
    return [...this.outcomes].map(([key, count]) => {
      const [endpoint, outcome, fault] = key.split(KEY_SEP);
      return { endpoint, outcome, fault, count };
    });
  }

  /**
   * The records kept with an id above `since`, oldest first. A record enters the ring when it
   * begins, with the fleet's next id, so the ring is in id order and only the records after
   * `since` are visited: polling for what is new (GET /events, waitForRecord) costs what is new.
   */
  records(since = 0): JournalRecord[] {
    return since <= 0 ? this.ring.toArray() : this.ring.newestWhile((r) => r.id > since);
  }

  /** Forgets the records (DELETE /journal); the counters stay. */
  clear(): void {
    this.ring.clear();
  }

  /** Zeroes the counters (POST /reset with clear_counters). */
  clearCounters(): void {
    this.requestCount = 0;
    this.outcomes.clear();
  }

  // ---------- job records: one per job of the job API (simulator/jobs/), from creation to its end ----------
  // Not requests: they count in neither request_count nor the request metrics.

  /** A job was created by the request of `created` (its body is the job's). */
  beginJob(port: number, trace: Omit<JobTrace, 'state' | 'events' | 'error'>, model: string | null, created: JournalRecord): JournalRecord {
    const at = epochMs();
    const record: JournalRecord = {
      id: this.fleet.nextRecordId(), seq: ++this.seq, server: port, method: 'JOB', path: `/v1/jobs/${trace.id}`, query: '',
      model, stream: null, body: created.body, bodyBytes: created.bodyBytes, bodySha256: created.bodySha256, behavior: 'Normal',
      arrivedAt: at, startedAt: null, firstByteAt: null, endedAt: null, status: null,
      bytesWritten: 0, linesWritten: 0, tokensWritten: 0, writtenSha256: '', outcome: 'in_progress', fault: null, abortedAfterTokens: null,
      job: { ...trace, state: 'queued', events: [{ state: 'queued', at }], error: null },
    };
    this.ring.push(record);
    return record;
  }

  /** The job entered a state that is not its last (running). */
  jobState(r: JournalRecord, state: JobState): void {
    r.job!.state = state;
    r.job!.events.push({ state, at: epochMs() });
  }

  /**
   * The job reached its final state after generating `tokens`: ok is `completed`, a cancel by the
   * client `client_aborted`, anything else a `fault` of the given kind.
   */
  jobEnded(r: JournalRecord, state: JobState, error: JobTrace['error'], tokens: number, fault: FaultKind | null, byClient: boolean): void {
    this.jobState(r, state);
    r.job!.error = error;
    r.tokensWritten = tokens;
    r.endedAt = r.job!.events[r.job!.events.length - 1].at;
    if (state === 'ok') r.outcome = 'completed';
    else if (byClient) {
      r.outcome = 'client_aborted';
      r.abortedAfterTokens = tokens;
    } else {
      r.outcome = 'fault';
      r.fault = fault;
    }
    this.fleet.recordEnded(r);
  }
}
