// Shared pieces of the classic scenarios (01-15): which backend served what (the journal is the only
// way to know), backends going down and up for real, and the time bounds every scenario derives
// from the balancer's timeout so that a failure message can state them.
import type { JournalRecord, ServerOverrides } from '../../simulator/index.js';
import type { ScenarioContext } from '../../runner/types.js';
import { ScenarioFailure } from './assert.js';
import { chat, completedWithDone, describe, type Exchange } from './client.js';

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
 * Sends sequential chats until a backend for which `wanted` holds serves one, or `tries` run out.
 * Each chat must succeed. Returns the record that matched (or null).
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
    const ex = await chat(ctx.lbUrl, `${o.content} ${i}`, { timeoutMs: answerBound(ctx), signal: ctx.signal });
    if (!completedWithDone(ex)) throw new ScenarioFailure(`request ${i + 1} failed: ${describe(ex)}; backends saw: ${describeRecords(recordsOn(ctx, CHAT, since))}`);
    const record = await nextRecordCompleted(ctx, since, ex);
    served.push(record);
    if (wanted(record.server)) return { record, served };
  }
  return { record: null, served };
}

/**
 * The completed /api/chat record of a request that just succeeded (retries leave failed ones before
 * it). Given the client's exchange, the one whose bytes it got: a racer that lets its losers finish
 * leaves several completed records, and the first to end need not be the one the client got.
 */
export async function nextRecordCompleted(ctx: ScenarioContext, since: number, ex?: Exchange): Promise<JournalRecord> {
  let first: JournalRecord;
  try {
    first = await ctx.fleet.waitForRecord((r) => r.path === CHAT && r.outcome === 'completed', SLACK_MS, since);
  } catch (e) {
    throw new ScenarioFailure(`the client got a complete answer, but no backend journaled a completed ${CHAT}: ${(e as Error).message}`);
  }
  if (ex === undefined) return first;
  const bytes = Buffer.byteLength(ex.body);
  return recordsOn(ctx, CHAT, since).find((r) => r.outcome === 'completed' && r.bytesWritten === bytes) ?? first;
}
