// 2. Load spreading: concurrent long requests are served by more than one backend. The journal says
// who served each one, and that they really overlapped in time. A racer sends each request to several
// backends; the one that served is the attempt that completed, so the scenario can judge only a racer
// that cancels its losers (cancelsRaceLosers).
import type { Scenario, Traits } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, completedWithDone, describe } from './lib/client.js';
import { answerBound, CHAT, describeRecords, recordsOn } from './lib/classic.js';

const CONCURRENT = 3;
const STREAM_MS = 1000; // each reply: 20 tokens at 20 tokens/s

const scenario: Scenario = {
  name: 'load-spreading',
  description: `${CONCURRENT} concurrent ~1 s chats are served by at least two different backends (journal), overlapping in time.`,
  tags: ['classic', 'routing'],
  needs: (t: Traits) => (t.racesRequests && t.cancelsRaceLosers !== true
    ? 'needs a balancer that does not race, or cancelsRaceLosers: when every racer generates to its end, the journal cannot tell which one served'
    : null),
  // Several slots per backend: a balancer that piles everything on one backend is not rescued by its timeouts.
  fleet: { defaults: { tokens_per_sec: 20, num_tokens: 20, load_ms: 0, num_parallel: 4 } },
  async run(ctx) {
    const since = ctx.fleet.cursor;
    const bound = answerBound(ctx, CONCURRENT * STREAM_MS);
    const answers = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) => chat(ctx.lbUrl, `Long request ${i}`, { timeoutMs: bound, signal: ctx.signal })),
    );
    answers.forEach((ex, i) => expect(completedWithDone(ex), `request ${i + 1} of ${CONCURRENT} did not complete: ${describe(ex)}`));
    const served = recordsOn(ctx, CHAT, since).filter((r) => r.outcome === 'completed');
    const losersToo = ctx.target.traits.racesRequests && served.length > CONCURRENT ? ' (the losers of the races completed too)' : '';
    expect(served.length === CONCURRENT, `expected ${CONCURRENT} completed chats in the journal${losersToo}, found: ${describeRecords(recordsOn(ctx, CHAT, since))}`);
    const backends = new Set(served.map((r) => r.server));
    expect(backends.size >= 2, `all ${CONCURRENT} concurrent requests went to backend :${[...backends][0]} (no spreading): ${describeRecords(served)}`);
    const overlapping = served.some((a) => served.some((b) => a !== b && a.arrivedAt < b.endedAt! && b.arrivedAt < a.endedAt!));
    expect(overlapping, `the requests did not overlap in time, so the spreading was not tested: ${describeRecords(served)}`);
  },
};

export default scenario;
