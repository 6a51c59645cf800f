// The OpenAI-compatible stream (/v1/chat/completions, SSE) must pass through as the backend paces
// it, and complete: a balancer that buffers it shows every chunk at once, at the end.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { describe, send } from './lib/client.js';
import { marker, servedAttempt, summarize, waitForRecord } from './lib/journal.js';

const TOKENS_PER_SEC = 10; // one chunk every 100 ms
const TOKENS = 12;
const INTERVAL_MS = 1000 / TOKENS_PER_SEC;
// How far the client's view may drift from the backend's pacing (a loaded 2-core CI machine).
const SPREAD_MARGIN_MS = 300;
const MEDIAN_GAP_MIN = INTERVAL_MS / 2;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const scenario: Scenario = {
  name: 'openai-streaming',
  description: `/v1/chat/completions SSE arrives complete ([DONE]) and paced like the backend sent it (spread within ${SPREAD_MARGIN_MS} ms, median gap >= ${MEDIAN_GAP_MIN} ms)`,
  tags: ['conformance', 'streaming', 'openai'],
  needs: (t) => (!t.openaiApi ? 'needs openaiApi' : !t.streams ? 'needs streams' : null),
  fleet: { servers: 2, defaults: { tokens_per_sec: TOKENS_PER_SEC } },
  async run(ctx) {
    const since = ctx.fleet.cursor;
    const mark = marker('openai');
    const ex = await send(ctx.lbUrl, {
      path: '/v1/chat/completions',
      body: { model: 'test-model:latest', stream: true, max_tokens: TOKENS, messages: [{ role: 'user', content: `tell me a story ${mark}` }] },
      signal: ctx.signal,
      timeoutMs: ctx.target.timeoutMs * 4,
    });
    // The attempt whose bytes the client got (a racer's others may end first), else the first to end.
    const attempt = (await servedAttempt(ctx.fleet, ex, since, ctx.target.timeoutMs))
      ?? (await waitForRecord(ctx.fleet, (r) => r.body.includes(mark), ctx.target.timeoutMs, 'the backend stream', since));
    expect(ex.status === 200 && ex.ending === 'complete' && ex.lines.at(-1)?.text === '[DONE]',
      `the client should get the whole SSE stream ending with data: [DONE]; got ${describe(ex)}; journal: ${summarize([attempt])}`);
    expect(attempt.outcome === 'completed', `the backend stream should complete; journal: ${summarize([attempt])}`);

    const backendSpread = (attempt.endedAt ?? 0) - (attempt.firstByteAt ?? 0);
    const clientSpread = ex.lines.at(-1)!.at - ex.lines[0]!.at;
    expect(clientSpread >= backendSpread - SPREAD_MARGIN_MS,
      `the backend spread its chunks over ${Math.round(backendSpread)} ms; the client got them within ${Math.round(clientSpread)} ms (margin ${SPREAD_MARGIN_MS} ms): the stream was buffered`);
    const gaps = ex.lines.slice(1).map((l, i) => l.at - ex.lines[i]!.at);
    const gap = median(gaps);
    expect(gap >= MEDIAN_GAP_MIN,
      `chunks leave the backend every ${INTERVAL_MS} ms; the median gap between chunks at the client is ${gap.toFixed(1)} ms (at least ${MEDIAN_GAP_MIN} ms expected)`);
  },
};

export default scenario;
