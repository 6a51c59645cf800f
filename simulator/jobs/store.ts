// One server's jobs, bounded: at most `capacity` (the max_jobs setting) are kept. A new job makes
// room by evicting the oldest finished job; when every kept job is queued or running there is no
// room, and the new job is refused (StoreFullError, a 503), so no job is ever lost in silence.
// Ids are `job_` + 12 hex digits drawn from (fleet seed, server, job number): the same on a fresh
// fleet with the same seed, whatever the OS-chosen ports and however servers interleave.
import { randomHex, rngFor } from '../engine/random.js';
import type { Job, JobState } from './job.js';
import type { ListQuery } from './request.js';

export class StoreFullError extends Error {
  constructor(capacity: number) {
    super(`the job store is full: all ${capacity} kept jobs (max_jobs) are queued or running; cancel some or wait for them to finish`);
  }
}

/** The id of a server's `seq`-th job; `attempt` > 0 only after a collision. */
export function jobId(seed: number, serverKey: string, seq: number, attempt = 0): string {
  return `job_${randomHex(rngFor('job-id', seed, serverKey, seq, attempt), 12)}`;
}

export class JobStore {
  /** In creation order, so the first finished one is the oldest. */
  private readonly jobs = new Map<string, Job>();
  private seq = 0;

  constructor(
    public capacity: number,
    private readonly idOf: (seq: number, attempt: number) => string,
  ) {}

  /** Stores the job `make` builds for the next id and number; throws StoreFullError first if there is no room. */
  add(make: (id: string, seq: number) => Job): Job {
    this.makeRoom();
    const seq = ++this.seq;
    let id = this.idOf(seq, 0);
    for (let attempt = 1; this.jobs.has(id); attempt++) id = this.idOf(seq, attempt);
    const job = make(id, seq);
    this.jobs.set(id, job);
    return job;
  }

  private makeRoom(): void {
    while (this.jobs.size >= this.capacity) {
      const oldestFinished = [...this.jobs.values()].find((j) => j.finished);
      if (!oldestFinished) throw new StoreFullError(this.capacity);
      this.jobs.delete(oldestFinished.id);
    }
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  /** Matching jobs, newest first, at most `limit`; `total` counts every match. */
  list(q: ListQuery): { jobs: Job[]; total: number } {
    const matching = [...this.jobs.values()].filter((j) => (q.states === null || q.states.includes(j.state)) && (q.traceId === null || j.request.traceId === q.traceId));
    return { jobs: matching.reverse().slice(0, q.limit), total: matching.length };
  }

  /** How many jobs are kept, by state (for /status). */
  counts(): Record<JobState | 'kept', number> {
    const counts = { kept: this.jobs.size, queued: 0, running: 0, ok: 0, fail: 0, timeout: 0, cancelled: 0 };
    for (const j of this.jobs.values()) counts[j.state]++;
    return counts;
  }

  /** The server is reset or stopped: every unfinished job is cancelled (`why`), and all are forgotten. */
  clear(why: string): void {
    for (const job of this.jobs.values()) job.cancel(why, false);
    this.jobs.clear();
  }
}
