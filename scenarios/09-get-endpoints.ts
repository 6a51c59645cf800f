// 9. GET endpoints through the balancer: `/`, `/api/version` and `/api/tags` answer 200 with what the
// backends say (the version and the model list), whether forwarded or answered by the balancer.
import type { Scenario } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { describe, send, type Exchange } from './lib/client.js';
import { answerBound, describeRecords, nextRecord } from './lib/classic.js';

function json(ex: Exchange): Record<string, unknown> | null {
  try {
    return JSON.parse(ex.body) as Record<string, unknown>;
  } catch {
    return null;
  }
}

const modelNames = (tags: Record<string, unknown> | null): string[] =>
  ((tags?.models ?? []) as Array<{ name?: string }>).map((m) => m.name ?? '').sort();

const scenario: Scenario = {
  name: 'get-endpoints',
  description: 'GET /, /api/version and /api/tags answer 200 through the balancer with the same content the backends give.',
  tags: ['classic', 'api'],
  async run(ctx) {
    const backend = ctx.fleet.urls[0]!;
    const get = (base: string, path: string) => send(base, { path, timeoutMs: answerBound(ctx), signal: ctx.signal });

    const root = await get(ctx.lbUrl, '/');
    const rootDirect = await get(backend, '/');
    expect(root.status === 200 && root.body === rootDirect.body, `GET / through the balancer: ${describe(root)}; a backend says ${JSON.stringify(rootDirect.body)}`);

    const since = ctx.fleet.cursor;
    const version = await get(ctx.lbUrl, '/api/version');
    const versionDirect = await get(backend, '/api/version');
    expect(version.status === 200, `GET /api/version through the balancer: ${describe(version)}`);
    expect(json(version)?.version === json(versionDirect)?.version, `GET /api/version: got ${JSON.stringify(version.body)}, a backend says ${JSON.stringify(versionDirect.body)}`);
    const record = await nextRecord(ctx, since, answerBound(ctx), '/api/version');
    expect(record.status === 200, `GET /api/version reached backend :${record.server} but it answered: ${describeRecords([record])}`);

    const tags = await get(ctx.lbUrl, '/api/tags');
    const tagsDirect = await get(backend, '/api/tags');
    expect(tags.status === 200, `GET /api/tags through the balancer: ${describe(tags)}`);
    const got = modelNames(json(tags));
    const want = modelNames(json(tagsDirect));
    expect(want.length > 0 && got.join() === want.join(), `GET /api/tags lists ${JSON.stringify(got)}; the backends (all alike) list ${JSON.stringify(want)}`);
  },
};

export default scenario;
