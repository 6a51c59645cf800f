// `/` answers 200 while /api/chat fails: a balancer that judges health only by its probe keeps
// sending traffic to a backend that cannot serve any. Traffic failures must count.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, completedWithDone, describe } from './lib/client.js';
import { marker, recordsOn, settled, summarize } from './lib/journal.js';

const REQUESTS = 24;
// In the second half of the run the failing backend may get at most this many first attempts
// (a blind round-robin over 3 backends would give it 4 of 12).
const LATE_WINDOW = 12;
const LATE_MAX = 2;

const scenario: Scenario = {
  name: 'health-beyond-probes',
  description: `a backend whose / is healthy but whose /api/chat answers 500 gets at most ${LATE_MAX} of the last ${LATE_WINDOW} of ${REQUESTS} requests`,
  tags: ['conformance', 'health'],
  needs: (t) => (t.healthStates ? null : 'needs healthStates'),
  fleet: { servers: 3 },
  async run(ctx) {
    const bad = ctx.fleet.ports[0]!;
    // Default targeting: the inference endpoints fail, `/` and /api/tags stay healthy.
    ctx.fleet.setBehavior(bad, { type: 'HttpError', status_code: 500, message: 'injected: /api/chat broken' });
    const bound = ctx.target.timeoutMs;
    const since = ctx.fleet.cursor;
    const marks: string[] = [];
    for (let i = 1; i <= REQUESTS; i++) {
      const mark = marker(`health-${i}`);
      marks.push(mark);
      const ex = await chat(ctx.lbUrl, `hello ${mark}`, { numPredict: 3, signal: ctx.signal, timeoutMs: bound * 4 });
      if (ctx.target.traits.retriesBeforeFirstByte) {
        expect(completedWithDone(ex), `request ${i}: the balancer retries before the first byte, so the client should never see :${bad}'s 500; got ${describe(ex)}`);
      } else {
        expect(completedWithDone(ex) || ex.status === 500, `request ${i}: the client should get a stream or :${bad}'s 500 unchanged; got ${describe(ex)}`);
      }
    }
    await settled(ctx.fleet, since, bound);
    const chats = recordsOn(ctx.fleet, '/api/chat', since);
    const probes = recordsOn(ctx.fleet, '/', since).filter((r) => r.server === bad);
    expect(probes.every((r) => r.status === 200), `the probe path / on :${bad} should stay healthy; journal: ${summarize(probes)}`);
    const late = marks.slice(-LATE_WINDOW).filter((m) => chats.some((r) => r.server === bad && r.body.includes(m)));
    const total = chats.filter((r) => r.server === bad).length;
    expect(late.length <= LATE_MAX,
      `:${bad} answers 500 to every /api/chat (while / is 200); it still got ${late.length} of the last ${LATE_WINDOW} requests (bound ${LATE_MAX}), ${total} of ${REQUESTS} in all`);
  },
};

export default scenario;
