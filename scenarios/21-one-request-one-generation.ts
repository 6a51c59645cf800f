// One client request must cost one generation. A balancer that fires the same request at several
// backends and keeps the first answer burns GPUs; if it races on purpose (racesRequests), exactly one
// generation may complete and every loser must be cancelled soon after the winner's first token
// (a racer that declares cancelsRaceLosers=false gets the losers' cost reported instead).
import type { JournalRecord } from '../simulator/index.js';
import type { Scenario, ScenarioContext } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, completedWithDone, describe } from './lib/client.js';
import { servedRecord } from './lib/classic.js';
import { attemptsOf, marker, settled, summarize } from './lib/journal.js';
import { judgeLosers } from './lib/race.js';

const REQUESTS = 3;
// 60 tokens at 40 tokens/s (the reply length and the limit): ~1.5 s, long enough that a loser nobody
// cancels runs to completion visibly.
const TOKENS = 60;

const scenario: Scenario = {
  name: 'one-request-one-generation',
  description: 'each client request produces exactly one backend generation; a racing balancer lets one complete and cancels the losers soon after the winner\'s first token',
  tags: ['conformance', 'efficiency'],
  fleet: { servers: 3, defaults: { tokens_per_sec: 40, num_tokens: TOKENS } },
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
      if (ctx.target.traits.racesRequests) checkRace(ctx, attempts, await servedRecord(ctx, since, ex, mark), i);
      else {
        expect(attempts.length === 1,
          `request ${i + 1}: one client request should reach exactly one backend; the journal shows ${attempts.length} generations: ${summarize(attempts)}`);
      }
    }
  },
};

/** A race: the winner is the attempt whose bytes the client got; the others are losers, judged by lib/race.ts. */
function checkRace(ctx: ScenarioContext, attempts: JournalRecord[], winner: JournalRecord, i: number): void {
  const late = judgeLosers(ctx, attempts.filter((r) => r.id !== winner.id), winner, `request ${i + 1}`);
  expect(late === null, `${late}; the client got the answer of :${winner.server}; the journal shows ${summarize(attempts)}`);
}

export default scenario;
