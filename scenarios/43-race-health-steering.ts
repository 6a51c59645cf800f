// Racing 4: health steers later races away from a failing backend. The failing one is the fastest
// (first token at once) but breaks every stream after 3 tokens; the other two start 200 ms late.
// A racer that picks the first token is drawn to it every time, so only health can keep it out:
// after it has broken streams, it may take part in at most 2 of the last 6 of 12 races (a trial now
// and then is fine), and each such race costs a client a broken stream. Three backends, so that a
// racer of three or more races the failing one from the first request on, whatever its selection.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, describe } from './lib/client.js';
import { answerBound } from './lib/classic.js';
import { attemptsOf, marker, settled, summarize } from './lib/journal.js';
import { needsRacing } from './lib/race.js';

const REQUESTS = 12;
const LATE_WINDOW = 6;
const LATE_MAX = 2;
const TOKENS_BEFORE_FAIL = 3;

const scenario: Scenario = {
  name: 'race-health-steering',
  description: `a backend that wins races by its first token and then breaks every stream takes part in at most ${LATE_MAX} of the last ${LATE_WINDOW} of ${REQUESTS} races (journal)`,
  tags: ['racing', 'health'],
  needs: (t) => needsRacing(t) ?? (t.healthStates ? null : 'needs healthStates'),
  fleet: { servers: 3, defaults: { load_ms: 0, tokens_per_sec: 100 } },
  async run(ctx) {
    const [bad, ...good] = ctx.fleet.ports as [number, ...number[]];
    ctx.fleet.setBehavior(bad, { type: 'FailMidStream', tokens_before_fail: TOKENS_BEFORE_FAIL });
    ctx.fleet.setBehavior(good, { type: 'SlowHeaders', delay_ms: 200 });
    const since = ctx.fleet.cursor;
    const marks: string[] = [];
    const broken: number[] = [];
    for (let i = 1; i <= REQUESTS; i++) {
      const mark = marker(`steer-${i}`);
      marks.push(mark);
      const ex = await chat(ctx.lbUrl, `hello ${mark}`, { numPredict: 20, timeoutMs: answerBound(ctx), signal: ctx.signal });
      expect(ex.ending !== 'timeout', `request ${i}: the client got no answer within ${answerBound(ctx)} ms: ${describe(ex)}`);
      if (ex.ending !== 'complete') broken.push(i);
    }
    await settled(ctx.fleet, since, answerBound(ctx));
    const raced = (mark: string) => attemptsOf(ctx.fleet, mark, since).filter((r) => r.server === bad);
    const failures = marks.flatMap(raced).filter((r) => r.outcome === 'fault');
    expect(failures.length > 0, `setup: :${bad} (the fastest, breaking after ${TOKENS_BEFORE_FAIL} tokens) should have been raced and have broken at least once; journal: ${summarize(marks.flatMap(raced))}`);
    const late = marks.slice(-LATE_WINDOW).filter((m) => raced(m).length > 0).length;
    const total = marks.filter((m) => raced(m).length > 0).length;
    expect(late <= LATE_MAX,
      `:${bad} broke ${failures.length} streams after ${TOKENS_BEFORE_FAIL} tokens, yet it still took part in ${late} of the last ${LATE_WINDOW} races (bound ${LATE_MAX}), ${total} of ${REQUESTS} in all; clients got broken streams in requests ${broken.join(', ') || '(none)'}`);
  },
};

export default scenario;
