// One job of the job API (dummyLLM's shape) and its state machine:
//
//   queued ──> running ──> ok | fail | timeout | cancelled
//      └──────────────────> fail | timeout | cancelled        (never ran: refused, timed out or cancelled in the queue)
//
// A final state is final: the first event to reach one wins (a generation that completes just after
// a cancel stays cancelled). Every transition stamps `updated_at` and goes to the job's journal
// record; reaching a final state also aborts the job's signal, which stops its execution and frees
// its runner slot.
import { now, sleep } from '../engine/clock.js';
import type { FaultKind, JobState, JournalRecord } from '../journal/record.js';
import type { JournalWriter } from '../journal/writer.js';
import type { JobRequest } from './request.js';

export { JOB_STATES, type JobState } from '../journal/record.js';

export type ErrorCode = 'SIM_FAIL' | 'TIMEOUT' | 'CANCELLED';

export interface JobResult {
  text: string;
  usage: { prompt_tokens: number; completion_tokens: number };
}

export interface JobError {
  code: ErrorCode;
  message: string;
}

/** GET /v1/jobs/{id}, field for field as in dummyLLM. */
export interface JobView {
  id: string;
  state: JobState;
  created_at: number;
  updated_at: number;
  result: JobResult | null;
  error: JobError | null;
}

const NEXT: Record<JobState, readonly JobState[]> = {
  queued: ['running', 'fail', 'timeout', 'cancelled'],
  running: ['ok', 'fail', 'timeout', 'cancelled'],
  ok: [],
  fail: [],
  timeout: [],
  cancelled: [],
};

export const isFinal = (state: JobState): boolean => NEXT[state].length === 0;

const unixNow = (): number => Math.floor(Date.now() / 1000);

// One reason for every end: abort() without one builds a DOMException per job.
const JOB_ENDED = new Error('job ended');

export class Job {
  state: JobState = 'queued';
  readonly createdAt = unixNow();
  updatedAt = this.createdAt;
  /** performance-clock ms of creation (the job's total duration counts from here). */
  readonly arrived = now();
  result: JobResult | null = null;
  error: JobError | null = null;
  /** Completion tokens generated so far (a cancelled job's journal record keeps the count). */
  generated = 0;
  private readonly ender = new AbortController();

  constructor(
    readonly id: string,
    /** The job's number on its server, from 1: the key of its seeded draws. */
    readonly seq: number,
    readonly request: JobRequest,
    private readonly journal: JournalWriter,
    /** The job's own journal record. */
    readonly record: JournalRecord,
  ) {
    if (request.timeoutMs !== null) {
      const limit = request.timeoutMs;
      void sleep(limit, this.signal).then((due) => due && this.timeOut(`job exceeded its timeout_ms (${limit} ms)`));
    }
  }

  /** Aborts when the job reached a final state: its execution stops there. */
  get signal(): AbortSignal {
    return this.ender.signal;
  }

  get finished(): boolean {
    return isFinal(this.state);
  }

  /** queued -> running; false if the job already ended. */
  start(): boolean {
    if (!this.enter('running')) return false;
    this.journal.jobState(this.record, 'running');
    return true;
  }

  succeed(result: JobResult): boolean {
    return this.end('ok', null, null, false, () => {
      this.result = result;
      this.generated = result.usage.completion_tokens;
    });
  }

  fail(message: string, fault: FaultKind | null): boolean {
    return this.end('fail', { code: 'SIM_FAIL', message }, fault, false);
  }

  timeOut(message: string): boolean {
    return this.end('timeout', { code: 'TIMEOUT', message }, 'timeout', false);
  }

  /** By the client (POST /v1/jobs/{id}/cancel), or by the server going away (reset, stop). */
  cancel(message: string, byClient: boolean): boolean {
    return this.end('cancelled', { code: 'CANCELLED', message }, 'cancelled', byClient);
  }

  view(): JobView {
    return { id: this.id, state: this.state, created_at: this.createdAt, updated_at: this.updatedAt, result: this.result, error: this.error };
  }

  private enter(state: JobState): boolean {
    if (!NEXT[this.state].includes(state)) return false;
    this.state = state;
    this.updatedAt = unixNow();
    return true;
  }

  private end(state: JobState, error: JobError | null, fault: FaultKind | null, byClient: boolean, keep?: () => void): boolean {
    if (!this.enter(state)) return false;
    keep?.();
    this.error = error;
    this.journal.jobEnded(this.record, state, error, this.generated, fault, byClient);
    this.ender.abort(JOB_ENDED);
    return true;
  }
}
