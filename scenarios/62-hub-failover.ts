// Two nodes fail /execute before the first byte (one answers 502, one resets the connection); the
// hub must fail over to the third: the client gets its answer, and the journal shows the failed
// attempt before the completed one. The working node is the busiest, so the failing ones are tried first.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { describe } from './lib/client.js';
import { describeExecutes, executesOf, jobSucceeded, occupySlots, submitJob } from './lib/hub.js';

const JOBS = 3;

const scenario: Scenario = {
  name: 'hub-failover-before-first-byte',
  description: 'jobs whose first node answers 502 or resets before the first byte are served by the next node; the client never sees the failure',
  tags: ['hub', 'failover'],
  kind: 'hub',
  fleet: { servers: 3, defaults: { load_ms: 0, num_parallel: 2, tokens_per_sec: 200 } },
  async run(ctx) {
    const [bad500, badReset, good] = ctx.fleet.ports as [number, number, number];
    await occupySlots(ctx, good, 1);
    ctx.fleet.setBehavior(bad500, { type: 'HttpError', status_code: 500, endpoints: ['/execute'] });
    ctx.fleet.setBehavior(badReset, { type: 'Reset', on: 'request', endpoints: ['/execute'] });
    let failedOver = 0;
    for (let i = 1; i <= JOBS; i++) {
      const since = ctx.fleet.cursor;
      const job = await submitJob(ctx, `failover-${i}`, { stream: i % 2 === 1 });
      const attempts = executesOf(ctx, job.mark, since);
      expect(jobSucceeded(job), `job ${i}: :${bad500} answers 502 and :${badReset} resets before the first byte; the hub should fail over to :${good}, but the client got ${describe(job.ex)}; journal: ${describeExecutes(attempts)}`);
      const served = attempts.filter((r) => r.status === 200 && r.outcome === 'completed');
      expect(served.length === 1 && served[0]!.server === good, `job ${i}: exactly one attempt should complete, on :${good}; journal: ${describeExecutes(attempts)}`);
      const failedFirst = attempts.filter((r) => r.server !== good && r.id < served[0]!.id);
      failedOver += failedFirst.length > 0 ? 1 : 0;
    }
    expect(failedOver > 0, `in ${JOBS} jobs the hub never tried :${bad500} or :${badReset} (less loaded than :${good}), so no failover could be observed`);
  },
};

export default scenario;
