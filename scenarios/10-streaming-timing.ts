// 10. Streaming timing: tokens reach the client as the backend writes them. The first line arrives
// within a margin of the backend's first byte (journal firstByteAt), and the lines keep the
// backend's spacing. A balancer that buffers the response fails both.
import { performance } from 'node:perf_hooks';
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, completedWithDone, describe } from './lib/client.js';
import { answerBound, nextRecordCompleted } from './lib/classic.js';

const TOKENS = 20;
const TOKENS_PER_SEC = 20; // a 1 s stream, 50 ms between tokens
const MARGIN_MS = 300;

const scenario: Scenario = {
  name: 'streaming-timing',
  description: `Time to first token and the spread of the tokens through the balancer stay within ${MARGIN_MS} ms of the backend's (journal firstByteAt/endedAt vs client arrival times).`,
  tags: ['classic', 'streaming', 'timing'],
  needs: (t) => (t.streams ? null : 'needs streams (passes responses through as they arrive)'),
  fleet: { defaults: { tokens_per_sec: TOKENS_PER_SEC, num_tokens: TOKENS, load_ms: 0 } },
  async run(ctx) {
    const since = ctx.fleet.cursor;
    const startedAt = performance.timeOrigin + performance.now();
    const ex = await chat(ctx.lbUrl, 'Test streaming', { timeoutMs: answerBound(ctx, 2000), signal: ctx.signal });
    expect(completedWithDone(ex), `the stream did not complete: ${describe(ex)}`);
    const record = await nextRecordCompleted(ctx, since);
    expect(ex.lines.length === record.linesWritten, `the client got ${ex.lines.length} lines, backend :${record.server} wrote ${record.linesWritten}`);

    const backendFirst = record.firstByteAt! - startedAt; // ms since the client sent its request
    const clientFirst = ex.lines[0]!.at;
    expect(clientFirst - backendFirst <= MARGIN_MS, `the first line reached the client ${Math.round(clientFirst - backendFirst)} ms after backend :${record.server} wrote it (margin ${MARGIN_MS} ms): the balancer holds tokens back`);
    const backendSpan = record.endedAt! - record.firstByteAt!;
    const clientSpan = ex.lines.at(-1)!.at - clientFirst;
    expect(clientSpan >= backendSpan - MARGIN_MS, `the backend spread its ${record.linesWritten} lines over ${Math.round(backendSpan)} ms, the client got them within ${Math.round(clientSpan)} ms (margin ${MARGIN_MS} ms): the balancer buffers the stream`);
  },
};

export default scenario;
