// 6. All backends busy: every backend is streaming a slow answer when one more request arrives. A
// rejecting balancer answers 503 at once; a queueing one serves it once a backend frees up. Either
// way, never an endless hang.
import type { Scenario } from '../runner/types.js';
import { eventually, expect } from './lib/assert.js';
import { chat, completedWithDone, describe } from './lib/client.js';
import { answerBound, CHAT, describeRecords, recordsOn } from './lib/classic.js';

const SLOW_TOKENS = 10;

const scenario: Scenario = {
  name: 'all-backends-busy',
  description: 'With every backend busy streaming, one more request gets 503 at once (reject traits) or is queued and served (queue traits); never an endless hang.',
  tags: ['classic', 'concurrency'],
  fleet: { defaults: { load_ms: 0 } },
  async run(ctx) {
    const { timeoutMs, traits } = ctx.target;
    const n = ctx.fleet.ports.length;
    // A queued request must never look like a silent backend: what it waits behind on one backend
    // lasts half the balancer timeout in all. That is one busy answer per backend, or n for a racer,
    // which sends each of the n busy requests to every backend.
    const queueDepth = traits.racesRequests ? n : 1;
    const busyMs = timeoutMs / 2 / queueDepth;
    ctx.fleet.setBehavior('all', { type: 'Slow', tokens_per_sec: (SLOW_TOKENS * 1000) / busyMs, num_tokens: SLOW_TOKENS });
    const since = ctx.fleet.cursor;
    const bound = answerBound(ctx, 2 * busyMs * queueDepth);
    const busy = Array.from({ length: n }, (_, i) => chat(ctx.lbUrl, `Slow request ${i}`, { timeoutMs: bound, signal: ctx.signal }));
    // Setup, bounded by what any request through the balancer may take (its timeout + slack), not by
    // busyMs: a balancer may work before it forwards (the F3 fork asks each backend for /api/tags and
    // /api/ps first), and each answer stays in progress for busyMs after its first byte anyway.
    await eventually(
      () => new Set(recordsOn(ctx, CHAT, since).filter((r) => r.outcome === 'in_progress' && r.firstByteAt !== null).map((r) => r.server)).size === n,
      answerBound(ctx),
      `every one of the ${n} backends to be streaming one of ${n} concurrent requests (journal: ${describeRecords(recordsOn(ctx, CHAT, since))})`,
    );
    const extra = await chat(ctx.lbUrl, 'One more', { stream: false, timeoutMs: bound, signal: ctx.signal });
    expect(extra.ending !== 'timeout', `the request sent while all ${n} backends were busy got no answer within ${bound} ms (balancer timeout ${timeoutMs} ms): ${describe(extra)}`);
    if (traits.whenAllBusy === 'reject') {
      expect(extra.status === 503, `a rejecting balancer should answer 503 when all backends are busy; got ${describe(extra)}`);
      expect(extra.endedAt < timeoutMs, `the 503 took ${Math.round(extra.endedAt)} ms; with every backend busy it should come at once (< ${timeoutMs} ms)`);
    } else {
      expect(extra.status === 200 && extra.ending === 'complete', `a queueing balancer should serve the request once a backend frees up; got ${describe(extra)}`);
    }
    const answers = await Promise.all(busy);
    answers.forEach((ex, i) => expect(completedWithDone(ex), `busy request ${i + 1} did not complete: ${describe(ex)}`));
  },
};

export default scenario;
