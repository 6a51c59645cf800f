// 14. RST mid-stream: the backend resets the TCP connection (a real RST) after 3 tokens. The client
// must see the failure (no fabricated done:true, no clean end), and later requests must succeed.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, completedWithDone, describe, jsonLines } from './lib/client.js';
import { answerBound, CHAT, describeRecord, FAST, nextRecord } from './lib/classic.js';

const TOKENS_BEFORE_RESET = 3;
const LATER_REQUESTS = 3;

const scenario: Scenario = {
  name: 'rst-mid-stream',
  description: `A TCP reset after ${TOKENS_BEFORE_RESET} tokens reaches the client as a failed stream (never done:true), and the next ${LATER_REQUESTS} requests succeed.`,
  tags: ['classic', 'streaming', 'faults'],
  fleet: { defaults: FAST },
  async run(ctx) {
    ctx.fleet.setBehavior('all', { type: 'Reset', on: 'tokens', after_tokens: TOKENS_BEFORE_RESET, times: 1 });
    const since = ctx.fleet.cursor;
    const ex = await chat(ctx.lbUrl, 'Test RST', { timeoutMs: answerBound(ctx), signal: ctx.signal });
    const reset = await nextRecord(ctx, since, answerBound(ctx), CHAT, (r) => r.outcome === 'fault');
    ctx.fleet.setBehavior('all', { type: 'Normal' });
    expect(reset.fault === 'reset' && reset.tokensWritten === TOKENS_BEFORE_RESET, `setup: expected a reset after ${TOKENS_BEFORE_RESET} tokens, journal says ${describeRecord(reset)}`);
    expect(!jsonLines(ex).some((l) => l.done === true), `the client got a done:true line although backend :${reset.server} reset the connection after ${TOKENS_BEFORE_RESET} tokens: ${describe(ex)}`);
    expect(ex.ending === 'error', `the client did not see the reset as a failure: ${describe(ex)}`);

    for (let i = 0; i < LATER_REQUESTS; i++) {
      const after = await chat(ctx.lbUrl, `After RST ${i}`, { timeoutMs: answerBound(ctx), signal: ctx.signal });
      expect(completedWithDone(after), `request ${i + 1} after the reset failed: ${describe(after)}`);
    }
  },
};

export default scenario;
