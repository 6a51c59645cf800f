// Racing 2: once a race has a winner, the losers are cancelled: their backends' journals show the
// balancer closing the connection (client_aborted) soon after the winner's first token, whatever
// state each loser was in: one is mid-response (its head and first bytes are out, trickling), one has
// not answered yet (SlowHeaders). Left running, each would generate 150 tokens for nobody. A target
// that declares it lets losers run on (cancelsRaceLosers: false) passes with their cost reported.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, completedWithDone, describe } from './lib/client.js';
import { answerBound, servedRecord } from './lib/classic.js';
import { marker, summarize } from './lib/journal.js';
import { judgeLosers, LOSER_BOUND_MS, losersOf, needsRacing } from './lib/race.js';

const TOKENS = 150;
// One role per server, rotated per request: the fast winner (1.5 s), a loser streaming bytes but no
// complete token line yet, a loser that has not sent its head yet.
const ROLES = [
  { type: 'Normal', tokens_per_sec: 100 },
  { type: 'Trickle', bytes_per_sec: 64 },
  { type: 'SlowHeaders', delay_ms: 1000 },
];
const REQUESTS = 2;

const scenario: Scenario = {
  name: 'race-losers-cancelled',
  description: `every loser of a race (one mid-response, one not yet answering) ends client_aborted within ${LOSER_BOUND_MS} ms of the winner's first token (journal); a target declaring cancelsRaceLosers=false gets their cost reported instead`,
  tags: ['racing', 'cancellation', 'efficiency'],
  needs: needsRacing,
  fleet: { servers: 3, defaults: { num_tokens: TOKENS, load_ms: 0 } },
  async run(ctx) {
    const ports = ctx.fleet.ports;
    for (let i = 0; i < REQUESTS; i++) {
      ports.forEach((port, j) => ctx.fleet.setBehavior(port, ROLES[(j + i) % ROLES.length]!));
      const since = ctx.fleet.cursor;
      const mark = marker(`losers-${i}`);
      const ex = await chat(ctx.lbUrl, `write a long essay ${mark}`, { timeoutMs: answerBound(ctx, 3000), signal: ctx.signal });
      expect(completedWithDone(ex), `request ${i + 1}: the client should get the winner's complete stream; got ${describe(ex)}`);
      // The winner is the attempt whose bytes the client got (not merely the first to complete).
      const winner = await servedRecord(ctx, since, ex, mark);
      const losers = await losersOf(ctx, mark, since, winner);
      expect(losers.length > 0, `request ${i + 1}: a racing balancer should send the chat to several backends; the journal shows ${summarize([winner])}`);
      const late = judgeLosers(ctx, losers, winner, `request ${i + 1}`);
      expect(late === null, `${late}; journal: ${summarize([winner, ...losers])}`);
    }
  },
};

export default scenario;
