// 7. Second chance: a backend that failed (HTTP 500) and then got well gets traffic again later, and
// once its trial succeeds it is trusted again: it takes its share of concurrent requests.
import type { Scenario } from '../runner/types.js';
import { expect, ScenarioFailure } from './lib/assert.js';
import { chat, completedWithDone, describe } from './lib/client.js';
import { answerBound, CHAT, chatUntilServedBy, describeRecords, FAST, nextRecordCompleted, recordsOn } from './lib/classic.js';

const RECOVERY_MS = 10_000;

const scenario: Scenario = {
  name: 'second-chance',
  description: `A backend that answered 500 and then recovered gets traffic again within ${RECOVERY_MS / 1000} s and, after a good answer, its share of concurrent requests (journal).`,
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
    expect(record, `backend :${flaky} recovered from its 500s but got none of ${served.length} requests in ${RECOVERY_MS} ms: ${describeRecords(served.slice(-6))}`);

    // Trusted again: it takes part in spreading, not only in single trial requests.
    const n = ctx.fleet.ports.length;
    ctx.fleet.setBehavior('all', { type: 'Slow', tokens_per_sec: 20, num_tokens: 10 });
    const since = ctx.fleet.cursor;
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => chat(ctx.lbUrl, `Trusted ${i}`, { timeoutMs: answerBound(ctx, 1000 * n), signal: ctx.signal })));
    answers.forEach((ex, i) => expect(completedWithDone(ex), `concurrent request ${i + 1} failed: ${describe(ex)}`));
    const records = recordsOn(ctx, CHAT, since);
    expect(records.some((r) => r.server === flaky && r.outcome === 'completed'), `after its successful trial, backend :${flaky} got none of ${n} concurrent requests (not trusted again): ${describeRecords(records)}`);
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
    if (ex.status === 200) await nextRecordCompleted(ctx, since);
  }
  throw new ScenarioFailure(`backend :${flaky} (answering 500) received none of ${2 * ctx.fleet.ports.length} sequential requests`);
}

export default scenario;
