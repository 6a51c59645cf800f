// 3. Unreachable backend: one backend reads requests and never answers (Hang). The balancer must give
// up on it within its timeout (the backend's journal record ends: the balancer closed the
// connection), answer the client (a retry's 200, or an error), and send the next request elsewhere.
// A racer may race the hung backend again (a silent racer looks like a slow one), but another must
// win (its bytes reach the client) and the hung racer is then a loser: let go as soon as the winner's
// first token came (lib/race.ts), not held until the timeout. The balancer timeout is 3 s so that
// "at the timeout" is well past that bound (LOSER_BOUND_MS after the winner's first token).
import type { Scenario } from '../runner/types.js';
import { expect, ScenarioFailure } from './lib/assert.js';
import { chat, completedWithDone, describe } from './lib/client.js';
import { answerBound, CHAT, describeRecords, FAST, recordsOn, servedRecord, SLACK_MS } from './lib/classic.js';
import { marker } from './lib/journal.js';
import { judgeLosers, losersOf } from './lib/race.js';

const scenario: Scenario = {
  name: 'unreachable-backend',
  description: 'A backend that never answers (Hang) is abandoned within the balancer timeout (journal: its request ends), the client gets an answer, and the next request goes to another backend.',
  tags: ['classic', 'timeouts', 'faults'],
  fleet: { defaults: FAST },
  lbTimeoutMs: 3000,
  async run(ctx) {
    const hung = ctx.fleet.ports[0]!;
    const timeout = ctx.target.timeoutMs;
    ctx.fleet.setBehavior(hung, { type: 'Hang' });
    // A balancer that spreads load reaches the hung backend within one request per backend.
    for (let i = 0; i < ctx.fleet.ports.length; i++) {
      const since = ctx.fleet.cursor;
      const bound = answerBound(ctx);
      const ex = await chat(ctx.lbUrl, `Test ${i}`, { stream: false, timeoutMs: bound, signal: ctx.signal });
      const reachedHung = recordsOn(ctx, CHAT, since).some((r) => r.server === hung);
      if (!reachedHung) {
        expect(ex.status === 200, `request ${i + 1} (not routed to the hung backend :${hung}) failed: ${describe(ex)}`);
        continue;
      }
      expect(ex.ending !== 'timeout', `the client got no answer within ${bound} ms after its request went to the hung backend :${hung}; the balancer's timeout is ${timeout} ms (+${SLACK_MS} ms slack)`);
      const abandoned = await ctx.fleet
        .waitForRecord((r) => r.server === hung && r.path === CHAT, SLACK_MS, since)
        .catch(() => null);
      expect(abandoned, `the client was answered (${describe(ex)}), but the balancer still holds its connection to the hung backend :${hung} (no end in its journal)`);
      const heldMs = abandoned.endedAt! - abandoned.arrivedAt;
      expect(heldMs <= timeout + SLACK_MS, `the balancer held the hung backend :${hung} for ${Math.round(heldMs)} ms; its timeout is ${timeout} ms (+${SLACK_MS} ms slack)`);
      const next = ctx.fleet.cursor;
      const mark = marker('after-hang');
      const after = await chat(ctx.lbUrl, `Test after the hang ${mark}`, { stream: false, timeoutMs: bound, signal: ctx.signal });
      expect(completedWithDone(after), `the request after the hang failed: ${describe(after)}; backends saw: ${describeRecords(recordsOn(ctx, CHAT, next))}`);
      const record = await servedRecord(ctx, next, after, mark);
      expect(record.server !== hung, `the request after the hang was served by the hung backend :${hung} again: ${describeRecords(recordsOn(ctx, CHAT, next))}`);
      if (!ctx.target.traits.racesRequests) {
        expect(!recordsOn(ctx, CHAT, next).some((r) => r.server === hung), `the request after the hang was tried on the hung backend :${hung} first: ${describeRecords(recordsOn(ctx, CHAT, next))}`);
        return;
      }
      const hungRacers = (await losersOf(ctx, mark, next, record)).filter((r) => r.server === hung);
      const late = judgeLosers(ctx, hungRacers, record, `the request after the hang was won by :${record.server}, but the hung backend :${hung} was raced again`);
      expect(late === null, `${late} (the balancer's timeout is ${timeout} ms): the hung racer was held, not let go when another won`);
      return;
    }
    throw new ScenarioFailure(`the hung backend :${hung} received none of ${ctx.fleet.ports.length} sequential requests, so the scenario could not test giving up on it`);
  },
};

export default scenario;
