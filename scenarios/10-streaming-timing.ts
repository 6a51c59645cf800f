// 10. Streaming timing: tokens reach the client as the backend writes them. The first line arrives
// within a margin of the backend's first byte (journal firstByteAt), and the lines keep the
// backend's spacing. A balancer that buffers the response fails both.
import { performance } from 'node:perf_hooks';
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, completedWithDone, describe } from './lib/client.js';
import { answerBound, servedRecord } from './lib/classic.js';

const TOKENS = 20;
const TOKENS_PER_SEC = 20; // a 1 s stream, 50 ms between tokens
const MARGIN_MS = 300;
const INTERVAL_MS = 1000 / TOKENS_PER_SEC;
/** The median gap between two tokens at the client must be at least this share of the backend's. */
const MIN_GAP_SHARE = 0.5;

const scenario: Scenario = {
  name: 'streaming-timing',
  description: `Time to first token and the spread of the tokens through the balancer stay within ${MARGIN_MS} ms of the backend's (journal firstByteAt/endedAt vs client arrival times), and the median gap between tokens stays at least ${MIN_GAP_SHARE * 100}% of the backend's ${INTERVAL_MS} ms (no bursts).`,
  tags: ['classic', 'streaming', 'timing'],
  needs: (t) => (t.streams ? null : 'needs streams (passes responses through as they arrive)'),
  fleet: { defaults: { tokens_per_sec: TOKENS_PER_SEC, num_tokens: TOKENS, load_ms: 0 } },
  async run(ctx) {
    const since = ctx.fleet.cursor;
    const startedAt = performance.timeOrigin + performance.now();
    const ex = await chat(ctx.lbUrl, 'Test streaming', { timeoutMs: answerBound(ctx, 2000), signal: ctx.signal });
    expect(completedWithDone(ex), `the stream did not complete: ${describe(ex)}`);
    const record = await servedRecord(ctx, since, ex);
    expect(ex.lines.length === record.linesWritten, `the client got ${ex.lines.length} lines, backend :${record.server} wrote ${record.linesWritten}`);

    const backendFirst = record.firstByteAt! - startedAt; // ms since the client sent its request
    const clientFirst = ex.lines[0]!.at;
    expect(clientFirst - backendFirst <= MARGIN_MS, `the first line reached the client ${Math.round(clientFirst - backendFirst)} ms after backend :${record.server} wrote it (margin ${MARGIN_MS} ms): the balancer holds tokens back`);
    const backendSpan = record.endedAt! - record.firstByteAt!;
    const clientSpan = ex.lines.at(-1)!.at - clientFirst;
    expect(clientSpan >= backendSpan - MARGIN_MS, `the backend spread its ${record.linesWritten} lines over ${Math.round(backendSpan)} ms, the client got them within ${Math.round(clientSpan)} ms (margin ${MARGIN_MS} ms): the balancer buffers the stream`);
    // Token lines only (the done line follows the last token at once). A balancer that holds
    // chunks and lets them out in bursts keeps the overall span but not the spacing.
    const tokenTimes = ex.lines.slice(0, -1).map((l) => l.at);
    const gaps = tokenTimes.slice(1).map((t, i) => t - tokenTimes[i]).sort((a, b) => a - b);
    const median = gaps[Math.floor(gaps.length / 2)] ?? 0;
    expect(median >= INTERVAL_MS * MIN_GAP_SHARE, `the median gap between tokens at the client was ${median.toFixed(1)} ms; backend :${record.server} wrote one every ${INTERVAL_MS} ms (at least ${INTERVAL_MS * MIN_GAP_SHARE} ms expected): the balancer releases tokens in bursts`);
  },
};

export default scenario;
