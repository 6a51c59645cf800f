// A node restarts on a new port under the same node_id (its agent came back with another
// NODE_PORT): the hub must send its jobs to the new address. The other nodes carry load, so the
// moved node is the hub's first choice; a hub that kept its old address gets ECONNREFUSED there.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { describe } from './lib/client.js';
import { acceptedHeartbeat, describeExecutes, executesOf, jobSucceeded, occupySlots, submitJob } from './lib/hub.js';

const scenario: Scenario = {
  name: 'hub-node-moves',
  description: 'a node that comes back under its node_id on a new port gets its next job at the new port',
  tags: ['hub', 'registry'],
  kind: 'hub',
  fleet: { servers: 3, defaults: { load_ms: 0, num_parallel: 2, tokens_per_sec: 200 } },
  async run(ctx) {
    const [mover, b, c] = ctx.fleet.ports as [number, number, number];
    await Promise.all([occupySlots(ctx, b, 1), occupySlots(ctx, c, 1)]);
    const nodeId = ctx.fleet.agent(mover).nodeId;
    const since = ctx.fleet.cursor;
    const moved = await ctx.fleet.restartServer(mover);
    await acceptedHeartbeat(ctx, moved.port, `from ${nodeId} at its new port`, (h) => h.payload.port === moved.port, since);
    ctx.log(`${nodeId} moved from :${mover} to :${moved.port}`);
    const jobSince = ctx.fleet.cursor;
    const job = await submitJob(ctx, 'moved');
    const attempts = executesOf(ctx, job.mark, jobSince);
    expect(jobSucceeded(job), `the job should succeed; got ${describe(job.ex)}; journal: ${describeExecutes(attempts)}`);
    const there = attempts.filter((r) => r.server === moved.port && r.outcome === 'completed');
    expect(there.length === 1, `${nodeId} (load 0) moved from :${mover} to :${moved.port} and said so in its heartbeats; the job should be served there, but the journal shows ${describeExecutes(attempts)} (the old port refuses connections)`);
  },
};

export default scenario;
