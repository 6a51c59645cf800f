// 7. Second chance: a backend that failed (HTTP 500) and then got well serves again later, and once
// its trial succeeds it is trusted again: it serves its share of concurrent requests. "Serves" is
// the attempt whose bytes a client got (journal writtenSha256), so a racer is judged by its winners.
// A racer that picks among equally fast racers by chance (the F3 fork) gets up to TRUST_BURSTS
// bursts for the recovered backend to win one; a balancer that spreads load serves it in the first.
import type { JournalRecord } from '../simulator/index.js';
import type { Scenario } from '../runner/types.js';
import { expect, ScenarioFailure } from './lib/assert.js';
import { chat, describe } from './lib/client.js';
import { answerBound, CHAT, chatUntilServedBy, concurrentChats, describeRecords, FAST, recordsOn, servedRecord } from './lib/classic.js';

const RECOVERY_MS = 10_000;
const TRUST_BURSTS = 8;

const scenario: Scenario = {
  name: 'second-chance',
  description: `A backend that answered 500 and then recovered serves a request again within ${RECOVERY_MS / 1000} s and, after a good answer, one of a burst of concurrent requests (journal: whose bytes each client got).`,
  tags: ['classic', 'health'],
  needs: (t) => (t.healthStates ? null : 'needs healthStates (marks failing backends unhealthy and lets them back in)'),
  fleet: { defaults: FAST },
  timeoutMs: 45_000,
  async run(ctx) {
    const flaky = ctx.fleet.ports[0]!;
    ctx.fleet.setBehavior(flaky, { type: 'HttpError', status_code: 500, message: 'simulated failure' });
    await failOnce(ctx, flaky);
    ctx.fleet.setBehavior(flaky, { type: 'Normal' });

    const { record, served } = await chatUntilServedBy(ctx, (p) => p === flaky, { tries: 500, deadlineMs: RECOVERY_MS, content: 'Second chance' });
    expect(record, `backend :${flaky} recovered from its 500s but served none of ${served.length} requests in ${RECOVERY_MS} ms (the clients got other backends' bytes): ${describeRecords(served.slice(-6))}`);

    // Trusted again: it takes part in spreading, not only in single trial requests.
    const n = ctx.fleet.ports.length;
    ctx.fleet.setBehavior('all', { type: 'Slow', tokens_per_sec: 20, num_tokens: 10 });
    const trusted: JournalRecord[] = [];
    for (let b = 1; b <= TRUST_BURSTS && !trusted.some((r) => r.server === flaky); b++) {
      trusted.push(...(await concurrentChats(ctx, n, `Trusted ${b}`, 1000 * n)));
    }
    expect(trusted.some((r) => r.server === flaky), `after its successful trial, backend :${flaky} served none of ${trusted.length} concurrent requests (${TRUST_BURSTS} bursts of ${n}; not trusted again): ${describeRecords(trusted.slice(-6))}`);
  },
};

/** Sends requests until the flaky backend has answered one with its 500. */
async function failOnce(ctx: Parameters<Scenario['run']>[0], flaky: number): Promise<void> {
  for (let i = 0; i < 2 * ctx.fleet.ports.length; i++) {
    const since = ctx.fleet.cursor;
    const ex = await chat(ctx.lbUrl, `Fail ${i}`, { stream: false, timeoutMs: answerBound(ctx), signal: ctx.signal });
    const ok = ex.status === 200 || (!ctx.target.traits.retriesBeforeFirstByte && ex.status === 500);
    expect(ok && ex.ending === 'complete', `request ${i + 1} while :${flaky} answered 500: ${describe(ex)}`);
    if (recordsOn(ctx, CHAT, since).some((r) => r.server === flaky && r.status === 500)) return;
    if (ex.status === 200) await servedRecord(ctx, since, ex);
  }
  throw new ScenarioFailure(`backend :${flaky} (answering 500) received none of ${2 * ctx.fleet.ports.length} sequential requests`);
}

export default scenario;
