// 2. Load spreading: concurrent long requests are served by more than one backend. "Served" is the
// attempt whose bytes a client got (the journal's writtenSha256 is their hash), so a racer is judged
// by its winners, not by the losers it let finish; they must really have overlapped in time. A racer
// that picks among equally fast racers by chance (the F3 fork: the most bytes, ties broken by hash-map
// order) may put one burst on one backend; up to BURSTS bursts are sent until one spreads, so a
// balancer that always serves from the same backend fails and one that picks at random passes but
// for a 1-in-9^BURSTS draw.
import type { JournalRecord } from '../simulator/index.js';
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { CHAT, concurrentChats, describeRecords, recordsOn } from './lib/classic.js';

const CONCURRENT = 3;
const STREAM_MS = 1000; // each reply: 20 tokens at 20 tokens/s
const BURSTS = 4;

const scenario: Scenario = {
  name: 'load-spreading',
  description: `${CONCURRENT} concurrent ~1 s chats are served (their bytes reach the clients) by at least two different backends (journal), overlapping in time; up to ${BURSTS} such bursts.`,
  tags: ['classic', 'routing'],
  // Several slots per backend: a balancer that piles everything on one backend is not rescued by its timeouts.
  fleet: { defaults: { tokens_per_sec: 20, num_tokens: 20, load_ms: 0, num_parallel: 4 } },
  async run(ctx) {
    const since = ctx.fleet.cursor;
    let served: JournalRecord[] = [];
    const bursts: string[] = [];
    for (let b = 1; b <= BURSTS; b++) {
      served = await concurrentChats(ctx, CONCURRENT, `Long request ${b}`, CONCURRENT * STREAM_MS);
      bursts.push(describeRecords(served));
      if (new Set(served.map((r) => r.server)).size >= 2) break;
    }
    const backends = new Set(served.map((r) => r.server));
    expect(backends.size >= 2, `in each of ${BURSTS} bursts, all ${CONCURRENT} concurrent requests were served by one backend (no spreading): ${bursts.join(' | ')}`);
    const overlapping = served.some((a) => served.some((b) => a !== b && a.arrivedAt < b.endedAt! && b.arrivedAt < a.endedAt!));
    expect(overlapping, `the requests did not overlap in time, so the spreading was not tested: ${describeRecords(served)}`);
    const attempts = recordsOn(ctx, CHAT, since).length;
    if (ctx.target.traits.racesRequests) ctx.report(`${bursts.length} burst(s) of ${CONCURRENT} requests made ${attempts} backend attempts (racing)`);
  },
};

export default scenario;
