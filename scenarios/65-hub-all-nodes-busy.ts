// More jobs at once than the nodes can run and the hub can hold: none may be lost. Each one is
// served (exactly once: one completed /execute carries its marker) or gets a clear error (a 4xx/5xx
// with a body) without having run, within the time the nodes need for all of them; never silence.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { describe } from './lib/client.js';
import { describeExecutes, executesOf, jobSucceeded, submitJob } from './lib/hub.js';

const JOBS = 8;
const JOB_MS = 600;
const TOKENS = 6;

const scenario: Scenario = {
  name: 'hub-all-nodes-busy',
  description: `${JOBS} jobs at once on 2 single-slot nodes (each job ~${JOB_MS} ms), hub queue limit 2: every job is served once or gets a clear error; none is lost`,
  tags: ['hub', 'concurrency'],
  kind: 'hub',
  hub: { queueLimit: 2 },
  fleet: { servers: 2, defaults: { load_ms: 0, num_parallel: 1, tokens_per_sec: (TOKENS * 1000) / JOB_MS } },
  async run(ctx) {
    const since = ctx.fleet.cursor;
    // Every job run one after another on one node, plus slack: no job may take longer to settle.
    const bound = JOBS * JOB_MS + 3000;
    const jobs = await Promise.all(Array.from({ length: JOBS }, (_, i) => submitJob(ctx, `busy-${i + 1}`, { options: { num_predict: TOKENS }, timeoutMs: bound })));
    const problems: string[] = [];
    jobs.forEach((job, i) => {
      const runs = executesOf(ctx, job.mark, since).filter((r) => r.outcome === 'completed' && r.status === 200);
      if (job.ex.ending === 'timeout') problems.push(`job ${i + 1} got no answer within ${bound} ms (lost): ${describeExecutes(executesOf(ctx, job.mark, since))}`);
      else if (jobSucceeded(job)) {
        if (runs.length !== 1) problems.push(`job ${i + 1} was answered but ran ${runs.length} times: ${describeExecutes(runs)}`);
      } else if (!(job.ex.status !== null && job.ex.status >= 400 && job.ex.body.trim() !== '')) {
        problems.push(`job ${i + 1} neither succeeded nor got a clear error: ${describe(job.ex)}`);
      } else if (runs.length > 0) {
        problems.push(`job ${i + 1} got ${job.ex.status} although a node completed it (its result was lost): ${describeExecutes(runs)}`);
      }
    });
    const served = jobs.filter(jobSucceeded).length;
    ctx.log(`${served} of ${JOBS} jobs served, ${JOBS - served} refused`);
    expect(problems.length === 0, problems.join('; '));
    expect(served >= 2, `with 2 idle nodes at least 2 of the ${JOBS} jobs should be served; ${served} were`);
  },
};

export default scenario;
