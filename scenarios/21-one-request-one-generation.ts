// One client request must cost one generation. A balancer that fires the same request at several
// backends and keeps the first answer burns GPUs; if it races on purpose (racesRequests), it must
// at least cancel the losers as soon as the winner's first byte arrives.
import type { JournalRecord } from '../simulator/index.js';
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, completedWithDone, describe } from './lib/client.js';
import { attemptsOf, marker, settled, summarize } from './lib/journal.js';

const REQUESTS = 3;
// 60 tokens at 40 tokens/s: ~1.5 s, long enough that a loser nobody cancels runs to completion visibly.
const TOKENS = 60;

const scenario: Scenario = {
  name: 'one-request-one-generation',
  description: 'each client request produces exactly one backend generation; a racing balancer cancels the losers right after the winner\'s first byte',
  tags: ['conformance', 'efficiency'],
  fleet: { servers: 3, defaults: { tokens_per_sec: 40 } },
  async run(ctx) {
    const bound = ctx.target.timeoutMs;
    for (let i = 0; i < REQUESTS; i++) {
      const since = ctx.fleet.cursor;
      const mark = marker(`once-${i}`);
      const ex = await chat(ctx.lbUrl, `count to ten ${mark}`, { numPredict: TOKENS, signal: ctx.signal });
      expect(completedWithDone(ex), `request ${i + 1}: the client should get a complete stream; got ${describe(ex)}`);
      // Every attempt this request caused has arrived by now; wait for them all to end.
      await settled(ctx.fleet, since, bound + 2000);
      const attempts = attemptsOf(ctx.fleet, mark, since).filter((r) => r.path === '/api/chat');
      if (ctx.target.traits.racesRequests) checkRace(attempts, i, bound);
      else {
        expect(attempts.length === 1,
          `request ${i + 1}: one client request should reach exactly one backend; the journal shows ${attempts.length} generations: ${summarize(attempts)}`);
      }
    }
  },
};

/** A race: one completed winner, and every loser aborted within the bound after the winner's first byte. */
function checkRace(attempts: JournalRecord[], i: number, bound: number): void {
  const winners = attempts.filter((r) => r.outcome === 'completed');
  expect(winners.length === 1, `request ${i + 1}: a racing balancer should let exactly one generation complete; the journal shows ${summarize(attempts)}`);
  const winner = winners[0]!;
  for (const loser of attempts.filter((r) => r !== winner)) {
    expect(loser.outcome === 'client_aborted', `request ${i + 1}: a losing attempt should end client_aborted; got ${summarize([loser])}`);
    const lag = (loser.endedAt ?? Infinity) - (winner.firstByteAt ?? 0);
    expect(lag <= bound, `request ${i + 1}: the loser on :${loser.server} ended ${Math.round(lag)} ms after the winner's first byte; the bound is ${bound} ms`);
  }
}

export default scenario;
