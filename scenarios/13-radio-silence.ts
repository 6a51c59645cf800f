// 13. Radio silence: a backend sends 2 tokens, then goes silent with the socket open (no FIN, no
// RST: a frozen machine). The balancer's inactivity timeout must cut it (the backend's journal
// record ends) and the client must not be left hanging or be told the answer was complete.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, completedWithDone, describe, jsonLines } from './lib/client.js';
import { answerBound, CHAT, describeRecord, FAST, nextRecord, SLACK_MS } from './lib/classic.js';

const TOKENS_BEFORE_STALL = 2;

const scenario: Scenario = {
  name: 'radio-silence',
  description: `A backend that stalls after ${TOKENS_BEFORE_STALL} tokens with its socket open is cut by the balancer's inactivity timeout (journal), and the client gets a broken stream within timeout + ${SLACK_MS} ms.`,
  tags: ['classic', 'streaming', 'timeouts', 'faults'],
  needs: (t) => (t.inactivityTimeout ? null : 'needs inactivityTimeout (cuts a backend that goes silent mid-response)'),
  fleet: { defaults: FAST },
  async run(ctx) {
    const timeout = ctx.target.timeoutMs;
    ctx.fleet.setBehavior('all', { type: 'Stall', after_tokens: TOKENS_BEFORE_STALL, times: 1 });
    const since = ctx.fleet.cursor;
    const bound = answerBound(ctx);
    const ex = await chat(ctx.lbUrl, 'Hello', { timeoutMs: bound, signal: ctx.signal });
    expect(ex.ending !== 'timeout', `the client was still waiting ${bound} ms after sending; the balancer's inactivity timeout is ${timeout} ms (+${SLACK_MS} ms slack): ${describe(ex)}`);
    const stalled = await nextRecord(ctx, since, SLACK_MS, CHAT, (r) => r.outcome === 'fault').catch(() => null);
    expect(stalled, `the client's request ended (${describe(ex)}), but the balancer still holds the silent backend's connection open`);
    ctx.fleet.setBehavior('all', { type: 'Normal' });
    expect(stalled.tokensWritten === TOKENS_BEFORE_STALL, `setup: expected the backend to stall after ${TOKENS_BEFORE_STALL} tokens, journal says ${describeRecord(stalled)}`);
    const silentMs = stalled.endedAt! - stalled.firstByteAt!;
    expect(silentMs <= timeout + SLACK_MS, `the balancer kept the silent backend :${stalled.server} for ${Math.round(silentMs)} ms; its inactivity timeout is ${timeout} ms (+${SLACK_MS} ms slack)`);
    expect(!jsonLines(ex).some((l) => l.done === true) && ex.ending !== 'complete', `the client was told the answer was complete although the backend stalled after ${TOKENS_BEFORE_STALL} tokens: ${describe(ex)}`);

    const after = await chat(ctx.lbUrl, 'Hello again', { timeoutMs: bound, signal: ctx.signal });
    expect(completedWithDone(after), `the request after the stall failed: ${describe(after)}`);
  },
};

export default scenario;
