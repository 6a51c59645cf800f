// Uneven load from other users of the nodes (direct generations holding their slots), reported in
// their heartbeats: every job must go to the idle node, not take turns over the loaded ones.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { describe } from './lib/client.js';
import { describeExecutes, executesOf, jobSucceeded, occupySlots, submitJob } from './lib/hub.js';

const JOBS = 4;

const scenario: Scenario = {
  name: 'hub-least-busy',
  description: 'with two nodes reporting load from other users (2/3 and 1/3 of their slots) and one idle, every job goes to the idle one',
  tags: ['hub', 'dispatch'],
  kind: 'hub',
  fleet: { servers: 3, defaults: { load_ms: 0, num_parallel: 3, tokens_per_sec: 200 } },
  async run(ctx) {
    const [heavy, light, idle] = ctx.fleet.ports as [number, number, number];
    await Promise.all([occupySlots(ctx, heavy, 2), occupySlots(ctx, light, 1)]);
    for (let i = 1; i <= JOBS; i++) {
      const since = ctx.fleet.cursor;
      const job = await submitJob(ctx, `least-busy-${i}`);
      const attempts = executesOf(ctx, job.mark, since);
      expect(jobSucceeded(job), `job ${i} should succeed; got ${describe(job.ex)}; journal: ${describeExecutes(attempts)}`);
      const elsewhere = attempts.filter((r) => r.server !== idle);
      expect(elsewhere.length === 0, `job ${i}: :${idle} reports load 0 while :${heavy} reports 0.67 and :${light} 0.33; the least-busy node should get it, but it went to ${describeExecutes(elsewhere)}`);
    }
  },
};

export default scenario;
