// 8. No backend available: every backend refuses TCP. The client must get a clear error status
// within the balancer's timeout, every time, not a hang.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, describe } from './lib/client.js';
import { answerBound, CHAT, describeRecords, recordsOn, setListening, SLACK_MS } from './lib/classic.js';

const REQUESTS = 3;

const scenario: Scenario = {
  name: 'no-backend-available',
  description: `With every backend refusing TCP, each of ${REQUESTS} requests gets a 5xx with an explanation within the balancer timeout (+${SLACK_MS} ms).`,
  tags: ['classic', 'faults'],
  async run(ctx) {
    await setListening(ctx, ctx.fleet.ports, false);
    const since = ctx.fleet.cursor;
    const bound = answerBound(ctx);
    for (let i = 0; i < REQUESTS; i++) {
      const ex = await chat(ctx.lbUrl, `Final test ${i}`, { stream: false, timeoutMs: bound, signal: ctx.signal });
      expect(ex.ending !== 'timeout', `request ${i + 1}: no answer within ${bound} ms with every backend down (balancer timeout ${ctx.target.timeoutMs} ms + ${SLACK_MS} ms)`);
      expect(ex.status !== null && ex.status >= 500 && ex.status <= 599, `request ${i + 1}: expected a 5xx status with every backend down, got ${describe(ex)}`);
      expect(ex.body.trim().length > 0, `request ${i + 1}: the ${ex.status} has an empty body; it should say why`);
    }
    const reached = recordsOn(ctx, CHAT, since);
    expect(reached.length === 0, `setup: every backend should refuse TCP, yet some journaled requests: ${describeRecords(reached)}`);
  },
};

export default scenario;
