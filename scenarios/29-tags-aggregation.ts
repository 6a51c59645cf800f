// A balancer that answers GET /api/tags itself must list every model of every backend, once each:
// clients pick models from this list.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { describe, send, type Exchange } from './lib/client.js';
import { recordsOn } from './lib/journal.js';

const PER_SERVER = [['test-model:latest', 'qwen3:8b'], ['test-model:latest', 'llama3.2:latest'], ['test-model:latest', 'all-minilm:latest']];
const UNION = [...new Set(PER_SERVER.flat())].sort();
const POLL_MS = 100;

const scenario: Scenario = {
  name: 'tags-aggregation',
  description: "/api/tags through the balancer lists the union of the backends' models, each once",
  tags: ['conformance', 'models'],
  needs: (t) => (t.aggregatesTags ? null : 'needs aggregatesTags'),
  fleet: { servers: 3, perServer: PER_SERVER.map((models) => ({ models })) },
  async run(ctx) {
    // The balancer may learn the lists in the background: ask until the union shows or the bound passes.
    const bound = ctx.target.timeoutMs;
    const deadline = Date.now() + bound;
    let ex: Exchange;
    let names: string[] | null;
    for (;;) {
      ex = await send(ctx.lbUrl, { path: '/api/tags', signal: ctx.signal, timeoutMs: bound });
      names = modelNames(ex);
      if ((names !== null && UNION.every((n) => names!.includes(n))) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    expect(ex.status === 200 && names !== null, `GET /api/tags should answer 200 {"models":[...]}; got ${describe(ex)}`);
    const missing = UNION.filter((n) => !names!.includes(n));
    expect(missing.length === 0,
      `/api/tags should list every backend's models (${UNION.join(', ')}) within ${bound} ms; missing ${missing.join(', ')}; got ${names.join(', ')}`);
    const dupes = names.filter((n, i) => names!.indexOf(n) !== i);
    expect(dupes.length === 0, `/api/tags should list each model once; repeated: ${dupes.join(', ')}`);
    const asked = new Set(recordsOn(ctx.fleet, '/api/tags').filter((r) => r.status === 200).map((r) => r.server));
    const unasked = ctx.fleet.ports.filter((p) => !asked.has(p));
    expect(unasked.length === 0, `the journal should show the balancer asking every backend for /api/tags; never asked: ${unasked.map((p) => `:${p}`).join(', ')}`);
  },
};

function modelNames(ex: Exchange): string[] | null {
  if (ex.status !== 200) return null;
  try {
    const models = (JSON.parse(ex.body) as { models?: unknown }).models;
    return Array.isArray(models) ? models.map((m) => String((m as { name?: unknown }).name)) : null;
  } catch {
    return null;
  }
}

export default scenario;
