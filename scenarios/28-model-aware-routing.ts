// A model installed on one backend only must always be served there: a balancer that spreads it
// round-robin sends it to machines that answer 404 "model not found".
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { chat, completedWithDone, describe } from './lib/client.js';
import { marker, recordsOn, settled, summarize } from './lib/journal.js';

const RARE = 'qwen3:8b';
const COMMON = 'test-model:latest';
const ROUNDS = 4;

const scenario: Scenario = {
  name: 'model-aware-routing',
  description: `a model installed on one backend only (${RARE}) is always routed there, whatever else is in flight`,
  tags: ['conformance', 'routing', 'models'],
  needs: (t) => (t.modelAware ? null : 'needs modelAware'),
  fleet: { servers: 3, perServer: [{ models: [COMMON, RARE] }, { models: [COMMON] }, { models: [COMMON] }] },
  async run(ctx) {
    const home = ctx.fleet.list().find((s) => s.models.has(RARE))!.port;
    const since = ctx.fleet.cursor;
    const bound = ctx.target.timeoutMs;
    // Alternate the rare model with a common one, so a round-robin pointer visits every backend.
    for (let i = 1; i <= ROUNDS; i++) {
      for (const model of [RARE, COMMON]) {
        const ex = await chat(ctx.lbUrl, `hello ${marker(`models-${i}`)}`, { model, numPredict: 3, signal: ctx.signal, timeoutMs: bound * 4 });
        expect(completedWithDone(ex), `round ${i}: a request for ${model} should succeed (${RARE} is installed on :${home} only); got ${describe(ex)}`);
      }
    }
    await settled(ctx.fleet, since, bound);
    const rare = recordsOn(ctx.fleet, '/api/chat', since).filter((r) => r.model === RARE);
    const elsewhere = rare.filter((r) => r.server !== home);
    expect(elsewhere.length === 0, `every ${RARE} request should go to :${home}, the only backend that has it; ${elsewhere.length} went elsewhere: ${summarize(elsewhere)}`);
    expect(rare.length === ROUNDS, `the journal should show ${ROUNDS} ${RARE} generations on :${home}; it shows ${summarize(rare)}`);
  },
};

export default scenario;
