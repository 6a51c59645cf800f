// Racing 3: the race is won by the first token, not the first response head or the first byte. One
// backend answers at once with its head and a few bytes, but its link is slow (Trickle, 40 bytes/s),
// so its first complete token line takes about 3 s; the other sends nothing for 300 ms (SlowHeaders),
// then its head and first token together (and the rest of its short reply within 100 ms). The second
// must win, and its first token must reach the client as promptly as streaming-timing demands of any
// balancer (300 ms): a racer that waits on the slower one has not let it lose. Roles swap between the
// two requests.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, completedWithDone, describe } from './lib/client.js';
import { answerBound, servedRecord } from './lib/classic.js';
import { attemptsOf, marker, summarize, waitForRecord } from './lib/journal.js';
import { needsRacing } from './lib/race.js';

const TRICKLE_BYTES_PER_SEC = 40;
const HEAD_DELAY_MS = 300;
const RELAY_MARGIN_MS = 300; // as streaming-timing's margin for the first token
const REQUESTS = 2;

const scenario: Scenario = {
  name: 'race-slow-first-token',
  description: `a backend whose head comes at once but whose first token takes ~3 s (Trickle) loses the race to one whose head and first token come after ${HEAD_DELAY_MS} ms, and that token reaches the client within ${RELAY_MARGIN_MS} ms`,
  tags: ['racing', 'streaming', 'timing'],
  needs: needsRacing,
  fleet: { servers: 2, defaults: { load_ms: 0, tokens_per_sec: 200 } },
  async run(ctx) {
    for (let i = 0; i < REQUESTS; i++) {
      const [slowLink, slowHead] = i % 2 === 0 ? ctx.fleet.ports : [...ctx.fleet.ports].reverse();
      ctx.fleet.setBehavior(slowLink!, { type: 'Trickle', bytes_per_sec: TRICKLE_BYTES_PER_SEC });
      ctx.fleet.setBehavior(slowHead!, { type: 'SlowHeaders', delay_ms: HEAD_DELAY_MS });
      const since = ctx.fleet.cursor;
      const mark = marker(`first-token-${i}`);
      const sentAt = Date.now();
      const ex = await chat(ctx.lbUrl, `hello ${mark}`, { timeoutMs: answerBound(ctx), signal: ctx.signal });
      // The attempt on the token-first backend has ended (won, or cancelled); the trickling one may still run.
      const tokenFirst = await waitForRecord(ctx.fleet, (r) => r.server === slowHead && r.body.includes(mark), answerBound(ctx),
        `request ${i + 1}: the attempt on :${slowHead} ending (a racing balancer sends the chat to both backends)`, since);
      const attempts = attemptsOf(ctx.fleet, mark, since);
      const setup = `:${slowLink} sends its head at once and its first token after ~3 s (Trickle ${TRICKLE_BYTES_PER_SEC} B/s), :${slowHead} its head and first token after ${HEAD_DELAY_MS} ms`;
      // Won: it served the client (its bytes reached it), not merely completed.
      const served = completedWithDone(ex) ? await servedRecord(ctx, since, ex, mark) : null;
      expect(served?.id === tokenFirst.id,
        `request ${i + 1}: ${setup}; the race should go to :${slowHead}, but the client got ${describe(ex)} (was the race decided by the response head?); journal: ${summarize(attempts)}`);
      const clientFirst = sentAt + (ex.lines[0]?.at ?? Infinity);
      const held = clientFirst - (tokenFirst.firstByteAt ?? sentAt);
      expect(held <= RELAY_MARGIN_MS, `request ${i + 1}: ${setup}; the winner's first token reached the client ${Math.round(held)} ms after :${slowHead} sent it (bound ${RELAY_MARGIN_MS} ms): the balancer waited on the slower racer`);
    }
  },
};

export default scenario;
