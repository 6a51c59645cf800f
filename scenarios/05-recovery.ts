// 5. Recovery: a backend whose port refuses TCP (its listener is closed: a real ECONNREFUSED) comes
// back and must serve again: a client gets its bytes (journal writtenSha256), so a racer is judged by
// its winners, not by a loser it let finish.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, describe } from './lib/client.js';
import { answerBound, CHAT, chatUntilServedBy, describeRecords, FAST, recordsOn, setListening } from './lib/classic.js';

// The reference balancer's longest cooldown is 5 s; give any sane policy twice that.
const RECOVERY_MS = 10_000;

const scenario: Scenario = {
  name: 'recovery',
  description: `A backend that refused TCP connections comes back and serves a request again (its bytes reach the client) within ${RECOVERY_MS / 1000} s (journal).`,
  tags: ['classic', 'health', 'faults'],
  fleet: { defaults: FAST },
  timeoutMs: 45_000,
  async run(ctx) {
    const down = ctx.fleet.ports[0]!;
    await setListening(ctx, [down], false);
    const since = ctx.fleet.cursor;
    for (let i = 0; i < 2 * ctx.fleet.ports.length; i++) {
      const ex = await chat(ctx.lbUrl, `Test while down ${i}`, { stream: false, timeoutMs: answerBound(ctx), signal: ctx.signal });
      const acceptable = ex.status === 200 || (!ctx.target.traits.retriesBeforeFirstByte && ex.status !== null && ex.status >= 500);
      expect(acceptable && ex.ending === 'complete', `request ${i + 1} while :${down} refused connections: ${describe(ex)}`);
    }
    expect(!recordsOn(ctx, CHAT, since).some((r) => r.server === down), `setup: backend :${down} should refuse TCP, yet it journaled a request`);

    await setListening(ctx, [down], true);
    const { record, served } = await chatUntilServedBy(ctx, (p) => p === down, { tries: 500, deadlineMs: RECOVERY_MS, content: 'Test recovery' });
    expect(record, `backend :${down} accepts connections again but served none of ${served.length} requests in ${RECOVERY_MS} ms (the clients got other backends' bytes): ${describeRecords(served.slice(-6))}`);
  },
};

export default scenario;
