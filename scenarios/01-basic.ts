// 1. Basic request, streamed and not: the client gets byte-for-byte what the backend wrote. The
// journal says how many bytes and lines the backend wrote and their hash (which also names the
// attempt the client got, whatever else a racer sent); the same request sent straight to that
// backend gives the same text (generation is deterministic per prompt).
import type { Scenario, ScenarioContext } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, completedWithDone, describe, type Exchange } from './lib/client.js';
import { answerBound, backendUrl, chatText, FAST, servedRecord } from './lib/classic.js';
import { receivedSha256 } from './lib/journal.js';

function contentOf(ex: Exchange, stream: boolean): string {
  if (stream) return chatText(ex);
  try {
    return (JSON.parse(ex.body) as { message?: { content?: string } }).message?.content ?? '';
  } catch {
    return '';
  }
}

async function checkOne(ctx: ScenarioContext, stream: boolean): Promise<void> {
  const kind = stream ? 'streamed' : 'non-streamed';
  const prompt = `Hello, ${kind} world`;
  const since = ctx.fleet.cursor;
  const ex = await chat(ctx.lbUrl, prompt, { stream, timeoutMs: answerBound(ctx), signal: ctx.signal });
  expect(completedWithDone(ex), `${kind} chat did not complete: ${describe(ex)}`);
  const record = await servedRecord(ctx, since, ex);
  const clientBytes = Buffer.byteLength(ex.body);
  expect(record.writtenSha256 === receivedSha256(ex), `${kind}: the client received ${clientBytes} body bytes, but they are not what backend :${record.server} wrote (${record.bytesWritten} bytes, another SHA-256): the balancer changed the body`);
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
