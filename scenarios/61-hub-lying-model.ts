// A node advertises a model it does not have (and is the least loaded, so a hub tries it first):
// its job fails (the agent answers 502) and the hub fails over. A hub that learns from that does
// not send the next jobs for that model to the liar while honest nodes have it.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { describe } from './lib/client.js';
import { acceptedHeartbeat, describeExecutes, executesOn, jobSucceeded, occupySlots, submitJob } from './lib/hub.js';

const RARE = 'qwen3:8b';
const JOBS = 4;

const scenario: Scenario = {
  name: 'hub-lying-model',
  description: `a node that advertises ${RARE} without having it fails one job for it, and gets no second one while honest nodes have it`,
  tags: ['hub', 'models'],
  kind: 'hub',
  fleet: {
    servers: 3,
    defaults: { load_ms: 0, num_parallel: 2, tokens_per_sec: 200 },
    perServer: [{ models: ['test-model:latest'] }, { models: ['test-model:latest', RARE] }, { models: ['test-model:latest', RARE] }],
  },
  async run(ctx) {
    // perServer follows the order the servers were created in, not port order: find them by their models.
    const liar = ctx.fleet.list().find((s) => s.findModel(RARE) === null)!.port;
    const [b, c] = ctx.fleet.ports.filter((p) => p !== liar) as [number, number];
    const since = ctx.fleet.cursor;
    ctx.fleet.agent(liar).advertise = { extra_models: [RARE] };
    await acceptedHeartbeat(ctx, liar, `advertising ${RARE}`, (h) => (h.payload.models as string[]).includes(RARE), since);
    // The honest nodes are busier, by what they report: the liar is every least-busy hub's first choice.
    await Promise.all([occupySlots(ctx, b, 1), occupySlots(ctx, c, 1)]);
    const jobsSince = ctx.fleet.cursor;
    for (let i = 1; i <= JOBS; i++) {
      const job = await submitJob(ctx, `liar-${i}`, { model: RARE });
      expect(jobSucceeded(job), `job ${i} for ${RARE}: :${b} and :${c} have it, so the job should succeed (after a failover from :${liar} if it went there first); got ${describe(job.ex)}`);
    }
    const onLiar = executesOn(ctx, liar, jobsSince).filter((r) => r.model === RARE);
    expect(onLiar.length <= 1, `:${liar} advertises ${RARE} but lacks it: after its first failed job the hub should stop sending it ${RARE} jobs while :${b} and :${c} have it; it got ${onLiar.length} of ${JOBS}: ${describeExecutes(onLiar)}`);
  },
};

export default scenario;
