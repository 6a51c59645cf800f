// Journal helpers for scenarios: find the backend attempts of one client request (by a marker in its
// body), the attempt whose bytes the client got (by their hash), wait for a record with a bound that
// the failure message states, and wait for quiet.
import { createHash, randomUUID } from 'node:crypto';
import type { Fleet, JournalRecord } from '../../simulator/index.js';
import { eventually, ScenarioFailure } from './assert.js';
import type { Exchange } from './client.js';

/** A unique text to put in a request body, so its backend attempts can be found in the journal. */
export function marker(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

/** Every backend attempt whose body contains `mark`, oldest first. */
export function attemptsOf(fleet: Fleet, mark: string, since = 0): JournalRecord[] {
  return fleet.journal({ since }).filter((r) => r.body.includes(mark));
}

/** SHA-256 of the body the client received: the writtenSha256 of the backend attempt it came from. */
export function receivedSha256(ex: Exchange): string {
  return createHash('sha256').update(ex.body).digest('hex');
}

/**
 * The backend attempt whose bytes the client got: the record since `since` whose writtenSha256 is the
 * hash of the client's body, once it has ended (waiting up to boundMs); null when no attempt wrote
 * them. Never "the first attempt to end or to complete": a racer's cancelled losers end first, and a
 * racer that lets its losers finish leaves several completed attempts of the same text (generation is
 * seeded by the request, so only their timestamps and durations differ).
 */
export function servedAttempt(fleet: Fleet, ex: Exchange, since: number, boundMs: number): Promise<JournalRecord | null> {
  if (ex.body === '') return Promise.resolve(null);
  const sha = receivedSha256(ex);
  return fleet.waitForRecord((r) => r.writtenSha256 === sha, boundMs, since).catch(() => null);
}

/** Records of one path since the cursor. */
export function recordsOn(fleet: Fleet, path: string, since = 0): JournalRecord[] {
  return fleet.journal({ since }).filter((r) => r.path === path);
}

/** fleet.waitForRecord, failing with a message that names what was awaited and the bound. */
export async function waitForRecord(fleet: Fleet, predicate: (r: JournalRecord) => boolean, boundMs: number, what: string, since = 0): Promise<JournalRecord> {
  try {
    return await fleet.waitForRecord(predicate, boundMs, since);
  } catch (err) {
    throw new ScenarioFailure(`no journal record of ${what} within ${boundMs} ms (${(err as Error).message})`);
  }
}

/** Waits until every record since the cursor has ended (no attempt still running; a hung one is a fault before it ends). */
export function settled(fleet: Fleet, since: number, boundMs: number): Promise<JournalRecord[]> {
  return eventually(() => {
    const records = fleet.journal({ since });
    return records.every((r) => r.endedAt !== null) ? records : null;
  }, boundMs, `every backend attempt to end (bound ${boundMs} ms)`);
}

/**
 * Every backend attempt of one request (by its marker), once all have ended; fails after boundMs
 * naming the attempts still running.
 */
export async function attemptsEnded(fleet: Fleet, mark: string, since: number, boundMs: number, what: string): Promise<JournalRecord[]> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const attempts = attemptsOf(fleet, mark, since);
    if (attempts.length > 0 && attempts.every((r) => r.endedAt !== null)) return attempts;
    if (Date.now() > deadline) {
      const running = attempts.filter((r) => r.endedAt === null).map((r) => `:${r.server} (${r.tokensWritten} tokens so far)`);
      throw new ScenarioFailure(`timed out after ${boundMs} ms waiting for ${what}: ${running.length ? `still running on ${running.join(', ')}` : 'no attempt reached a backend'}; journal: ${summarize(attempts)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** One line per record, for failure messages. */
export function summarize(records: readonly JournalRecord[], max = 8): string {
  if (records.length === 0) return '(no records)';
  const shown = records.slice(-max).map((r) => `#${r.id} :${r.server} ${r.method} ${r.path} ${r.status ?? '-'} ${r.outcome}${r.fault ? `/${r.fault}` : ''}`);
  return `${records.length > max ? `${records.length} records, the last ${max}: ` : ''}${shown.join('; ')}`;
}

/** "N on :port" per server, for failure messages about where traffic went. */
export function countByServer(records: readonly JournalRecord[]): string {
  const counts = new Map<number, number>();
  for (const r of records) counts.set(r.server, (counts.get(r.server) ?? 0) + 1);
  return [...counts].map(([port, n]) => `${n} on :${port}`).join(', ') || 'none';
}
