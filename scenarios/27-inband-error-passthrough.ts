// Ollama reports a failure mid-stream as an {"error": "..."} NDJSON line after HTTP 200. The
// balancer must hand that line to the client, not drop it or dress the stream up as a success.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, describe, jsonLines } from './lib/client.js';
import { marker, servedAttempt, summarize, waitForRecord } from './lib/journal.js';

const TOKENS_BEFORE = 3;
const MESSAGE = 'injected: CUDA error: out of memory';

const scenario: Scenario = {
  name: 'inband-error-passthrough',
  description: 'an in-band {"error"} line after 200 reaches the client as sent, with no done:true line invented after it',
  tags: ['conformance', 'streaming', 'errors'],
  fleet: { servers: 2 },
  async run(ctx) {
    ctx.fleet.setBehavior('all', { type: 'InBandError', after_tokens: TOKENS_BEFORE, message: MESSAGE });
    const since = ctx.fleet.cursor;
    const mark = marker('inband');
    const ex = await chat(ctx.lbUrl, `hello ${mark}`, { signal: ctx.signal, timeoutMs: ctx.target.timeoutMs * 4 });
    // The attempt whose bytes the client got; if it got no backend's bytes as they were (a balancer that
    // rewrote the stream), the first that sent the error (a racer's cancelled losers end first, without it).
    const attempt = (await servedAttempt(ctx.fleet, ex, since, ctx.target.timeoutMs))
      ?? (await waitForRecord(ctx.fleet, (r) => r.body.includes(mark) && r.outcome === 'fault', ctx.target.timeoutMs, 'the backend attempt that sent the in-band error', since));
    expect(attempt.fault === 'inband_error', `the backend should have sent the in-band error; journal: ${summarize([attempt])}`);

    const lines = jsonLines(ex);
    const errorAt = lines.findIndex((l) => l.error !== undefined);
    expect(errorAt >= 0, `the client should receive the backend's {"error": ${JSON.stringify(MESSAGE)}} line; got ${describe(ex)}`);
    expect(lines[errorAt]!.error === MESSAGE, `the error text should arrive unchanged; got ${JSON.stringify(lines[errorAt]!.error)}`);
    expect(!lines.some((l) => l.done === true), `the client must not see done:true for a generation that failed; got ${describe(ex)}`);
    expect(errorAt >= TOKENS_BEFORE, `the ${TOKENS_BEFORE} chunks before the error should reach the client too; it got ${errorAt}`);
    expect(ex.lines.length === attempt.linesWritten,
      `the client should get every line the backend wrote (${attempt.linesWritten}); it got ${ex.lines.length}`);
  },
};

export default scenario;
