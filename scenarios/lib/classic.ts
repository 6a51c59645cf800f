// Shared pieces of the classic scenarios (01-15): which backend served what (the journal is the only
// way to know), backends going down and up for real, and the time bounds every scenario derives
// from the balancer's timeout so that a failure message can state them.
import type { JournalRecord, ServerOverrides } from '../../simulator/index.js';
import type { ScenarioContext } from '../../runner/types.js';
import { ScenarioFailure } from './assert.js';
import { chat, completedWithDone, describe, type Exchange } from './client.js';
import { attemptsOf, marker, servedAttempt } from './journal.js';

/** Quick generation, no model-load pause: scenarios about routing should not wait on the model. */
export const FAST: ServerOverrides = { tokens_per_sec: 200, load_ms: 0 };

/** Scheduling slack for the balancer's own work on a loaded 2-core machine. */
export const SLACK_MS = 1500;

export const CHAT = '/api/chat';

/** The longest a request may take through a working balancer: its timeout, plus slack. */
export function answerBound(ctx: ScenarioContext, extraMs = 0): number {
  return ctx.target.timeoutMs + SLACK_MS + extraMs;
}

export function recordsOn(ctx: ScenarioContext, path: string, since: number): JournalRecord[] {
  return ctx.fleet.journal({ since }).filter((r) => r.path === path);
}

export function describeRecord(r: JournalRecord): string {
  return `:${r.server} ${r.method} ${r.path} ${r.status ?? '-'} ${r.outcome}${r.fault ? `/${r.fault}` : ''} (${r.tokensWritten} tokens)`;
}

export function describeRecords(records: JournalRecord[]): string {
  return records.map(describeRecord).join('; ') || '(none)';
}

/**
 * The first request on `path` that a backend received after `since` and finished (any outcome, or
 * one that `matches`: a racer's request has several attempts, and its cancelled losers end first).
 */
export async function nextRecord(ctx: ScenarioContext, since: number, timeoutMs: number, path = CHAT, matches: (r: JournalRecord) => boolean = () => true): Promise<JournalRecord> {
  try {
    return await ctx.fleet.waitForRecord((r) => r.path === path && matches(r), timeoutMs, since);
  } catch (e) {
    throw new ScenarioFailure(`no backend finished a ${path} request within ${timeoutMs} ms: ${(e as Error).message}`);
  }
}

/** The ports of the fleet other than `port`. */
export function otherPorts(ctx: ScenarioContext, port: number): number[] {
  return ctx.fleet.ports.filter((p) => p !== port);
}

/** Closes (down) or reopens the listeners of these backends: a real ECONNREFUSED while down. */
export async function setListening(ctx: ScenarioContext, ports: number[], up: boolean): Promise<void> {
  for (const port of ports) {
    const server = ctx.fleet.server(port);
    server.adminDown = !up;
    await server.syncListener();
  }
}

/** Base URL of one backend, to ask it directly what the balancer should have relayed. */
export function backendUrl(ctx: ScenarioContext, port: number): string {
  const server = ctx.fleet.list().find((s) => s.port === port);
  if (!server) throw new ScenarioFailure(`journal names port ${port}, which is not a backend of this fleet`);
  return server.url;
}

/** Concatenated `message.content` of a native chat answer, streamed (NDJSON) or not. */
export function chatText(ex: Exchange): string {
  return ex.lines
    .map((l) => {
      try {
        const o = JSON.parse(l.text) as { message?: { content?: string } };
        return o.message?.content ?? '';
      } catch {
        return '';
      }
    })
    .join('');
}

/**
 * Sends sequential chats until one is served (its bytes reached the client) by a backend for which
 * `wanted` holds, or `tries` run out. Each chat must succeed. Returns the record that matched (or
 * null) and every served record.
 */
export async function chatUntilServedBy(
  ctx: ScenarioContext,
  wanted: (port: number) => boolean,
  o: { tries: number; deadlineMs: number; content: string },
): Promise<{ record: JournalRecord | null; served: JournalRecord[] }> {
  const served: JournalRecord[] = [];
  const deadline = Date.now() + o.deadlineMs;
  for (let i = 0; i < o.tries && Date.now() < deadline; i++) {
    const since = ctx.fleet.cursor;
    const mark = marker(`${o.content} ${i}`);
    const ex = await chat(ctx.lbUrl, mark, { timeoutMs: answerBound(ctx), signal: ctx.signal });
    if (!completedWithDone(ex)) throw new ScenarioFailure(`request ${i + 1} failed: ${describe(ex)}; backends saw: ${describeRecords(recordsOn(ctx, CHAT, since))}`);
    const record = await servedRecord(ctx, since, ex, mark);
    served.push(record);
    if (wanted(record.server)) return { record, served };
  }
  return { record: null, served };
}

/**
 * Sends `n` chats at once (each with its own marker); each must complete. Returns, per request, the
 * attempt that served it (servedRecord).
 */
export async function concurrentChats(ctx: ScenarioContext, n: number, content: string, extraMs = 0): Promise<JournalRecord[]> {
  const since = ctx.fleet.cursor;
  const marks = Array.from({ length: n }, (_, i) => marker(`${content} ${i}`));
  const answers = await Promise.all(marks.map((mark) => chat(ctx.lbUrl, mark, { timeoutMs: answerBound(ctx, extraMs), signal: ctx.signal })));
  answers.forEach((ex, i) => {
    if (!completedWithDone(ex)) throw new ScenarioFailure(`concurrent request ${i + 1} of ${n} did not complete: ${describe(ex)}`);
  });
  return Promise.all(answers.map((ex, i) => servedRecord(ctx, since, ex, marks[i])));
}

/**
 * The attempt that served a request the client got a complete answer to. Above all the one whose
 * bytes it got (lib/journal.ts servedAttempt: writtenSha256 is the hash of the client's body), never
 * merely the first to end or complete. A balancer that rewrites bodies leaves no such attempt; then
 * the request's only completed attempt (those whose body holds `mark`, else every /api/chat since
 * `since`), if it has exactly one. Fails when neither tells: changed bytes and several completed
 * attempts (a racer that let its losers finish), or none.
 */
export async function servedRecord(ctx: ScenarioContext, since: number, ex: Exchange, mark?: string): Promise<JournalRecord> {
  const byBytes = await servedAttempt(ctx.fleet, ex, since, SLACK_MS);
  if (byBytes) return byBytes;
  const attempts = mark === undefined ? recordsOn(ctx, CHAT, since) : attemptsOf(ctx.fleet, mark, since);
  const completed = attempts.filter((r) => r.outcome === 'completed');
  if (completed.length === 1) return completed[0]!;
  const written = attempts.map((r) => `:${r.server} ${r.outcome} ${r.bytesWritten} bytes`).join('; ') || '(none)';
  throw new ScenarioFailure(`cannot tell which backend served the request: the client's ${Buffer.byteLength(ex.body)} body bytes are no backend's as written (none has their SHA-256 within ${SLACK_MS} ms: the balancer changed the body or mixed answers), and ${completed.length} attempts completed; backends wrote: ${written}`);
}
