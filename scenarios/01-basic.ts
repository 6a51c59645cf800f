// 1. Basic request, streamed and not: the client gets byte-for-byte what the backend wrote. The
// journal says how many bytes and lines the backend wrote; the same request sent straight to that
// backend gives the same text (generation is deterministic per server and prompt).
import type { JournalRecord } from '../simulator/index.js';
import type { Scenario, ScenarioContext } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, completedWithDone, describe, type Exchange } from './lib/client.js';
import { answerBound, backendUrl, CHAT, chatText, FAST, nextRecordCompleted } from './lib/classic.js';
import { settled } from './lib/journal.js';

function contentOf(ex: Exchange, stream: boolean): string {
  if (stream) return chatText(ex);
  try {
    return (JSON.parse(ex.body) as { message?: { content?: string } }).message?.content ?? '';
  } catch {
    return '';
  }
}

/**
 * The completed attempt the client's answer came from. A balancer that races may let several
 * attempts complete (their bodies differ in the digits of their durations) and relay any one, so
 * once every attempt has ended, judge the one whose size the client got (else the first completed).
 */
async function relayedRecord(ctx: ScenarioContext, since: number, clientBytes: number): Promise<JournalRecord> {
  const first = await nextRecordCompleted(ctx, since);
  const done = (await settled(ctx.fleet, since, answerBound(ctx))).filter((r) => r.path === CHAT && r.outcome === 'completed');
  return done.find((r) => r.bytesWritten === clientBytes) ?? first;
}

async function checkOne(ctx: ScenarioContext, stream: boolean): Promise<void> {
  const kind = stream ? 'streamed' : 'non-streamed';
  const prompt = `Hello, ${kind} world`;
  const since = ctx.fleet.cursor;
  const ex = await chat(ctx.lbUrl, prompt, { stream, timeoutMs: answerBound(ctx), signal: ctx.signal });
  expect(completedWithDone(ex), `${kind} chat did not complete: ${describe(ex)}`);
  const clientBytes = Buffer.byteLength(ex.body);
  const record = await relayedRecord(ctx, since, clientBytes);
  expect(clientBytes === record.bytesWritten, `${kind}: the client received ${clientBytes} body bytes, but backend :${record.server} wrote ${record.bytesWritten} (the balancer changed the body)`);
  if (stream) {
    expect(ex.lines.length === record.linesWritten, `${kind}: the client received ${ex.lines.length} NDJSON lines, backend :${record.server} wrote ${record.linesWritten}`);
  }
  const direct = await chat(backendUrl(ctx, record.server), prompt, { stream, timeoutMs: answerBound(ctx), signal: ctx.signal });
  expect(direct.status === 200, `${kind}: the same request straight to backend :${record.server} failed: ${describe(direct)}`);
  const got = contentOf(ex, stream);
  const want = contentOf(direct, stream);
  expect(want.length > 0, `${kind}: backend :${record.server} answered no content directly: ${describe(direct)}`);
  expect(got === want, `${kind}: the text through the balancer differs from backend :${record.server}'s: got ${JSON.stringify(got.slice(0, 80))}, want ${JSON.stringify(want.slice(0, 80))}`);
}

const scenario: Scenario = {
  name: 'basic-request',
  description: 'A streamed and a non-streamed chat arrive byte-for-byte as the backend wrote them (journal byte and line counts, same text as asking the backend directly).',
  tags: ['classic', 'streaming'],
  fleet: { defaults: FAST },
  async run(ctx) {
    await checkOne(ctx, false);
    await checkOne(ctx, true);
  },
};

export default scenario;
