// A node that stops heartbeating (still serving: its agent is wedged, its Ollama is fine) must stop
// getting jobs once the hub's TTL has passed since its last heartbeat. The other nodes carry load
// from other users, so a hub that still trusts the silent node's last heartbeat (load 0) picks it.
import type { Scenario } from '../runner/types.js';
import { eventually, expect } from './lib/assert.js';
import { describe } from './lib/client.js';
import { describeExecutes, executesOn, jobSucceeded, occupySlots, submitJob } from './lib/hub.js';

const JOBS = 5;

const scenario: Scenario = {
  name: 'hub-stale-node',
  description: 'a node that stops heartbeating (but still serves) gets no job once the TTL has passed since its last heartbeat',
  tags: ['hub', 'registry'],
  kind: 'hub',
  fleet: { servers: 3, defaults: { load_ms: 0, num_parallel: 2, tokens_per_sec: 200 } },
  async run(ctx) {
    const [silent, b, c] = ctx.fleet.ports as [number, number, number];
    const { ttlMs } = ctx.hub!;
    await Promise.all([occupySlots(ctx, b, 1), occupySlots(ctx, c, 1)]);
    ctx.fleet.agent(silent).setHeartbeats(false);
    // The hub saw its last heartbeat no later than that heartbeat ended (one may be in flight now).
    const ended = await eventually(() => {
      const sent = ctx.fleet.heartbeats({ port: silent });
      return sent.every((h) => h.outcome !== 'in_progress') ? sent : null;
    }, 11_000, `the last heartbeat of :${silent} to end`);
    const last = Math.max(...ended.map((h) => h.endedAt ?? 0));
    // The TTL, plus half of it for hubs that check on a timer (the seed's sweeps every TTL/2) and 500 ms.
    const grace = ttlMs / 2 + 500;
    const staleAt = last + ttlMs + grace;
    ctx.log(`:${silent} went silent; its last heartbeat ended at ${new Date(last).toISOString()}, waiting until TTL ${ttlMs} ms + ${grace} ms have passed`);
    await new Promise((r) => setTimeout(r, Math.max(0, staleAt - Date.now())));
    const since = ctx.fleet.cursor;
    for (let i = 1; i <= JOBS; i++) {
      const job = await submitJob(ctx, `stale-${i}`);
      expect(jobSucceeded(job), `job ${i}: :${b} and :${c} are online, so the job should succeed; got ${describe(job.ex)}`);
    }
    const wrong = executesOn(ctx, silent, since);
    expect(wrong.length === 0, `:${silent} sent no heartbeat for more than the TTL (${ttlMs} ms + ${grace} ms), yet the hub sent it ${wrong.length} of ${JOBS} jobs: ${describeExecutes(wrong)}`);
  },
};

export default scenario;
