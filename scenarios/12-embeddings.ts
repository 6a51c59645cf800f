// 12. Embeddings through the balancer: /api/embed (one input and a batch), the legacy
// /api/embeddings and the OpenAI /v1/embeddings give the same vectors as asking a backend directly.
import type { Scenario, ScenarioContext } from '../runner/types.js';
import { expect } from './lib/assert.js';
import { describe, send } from './lib/client.js';
import { answerBound, backendUrl, nextRecord } from './lib/classic.js';

const MODEL = 'test-model:latest';

type Case = { path: string; body: Record<string, unknown>; vectors: (json: any) => unknown[] | undefined; openai?: boolean };

const CASES: Case[] = [
  { path: '/api/embed', body: { model: MODEL, input: 'Hello world' }, vectors: (j) => j?.embeddings },
  { path: '/api/embed', body: { model: MODEL, input: ['Hello world', 'How are you?'] }, vectors: (j) => j?.embeddings },
  { path: '/api/embeddings', body: { model: MODEL, prompt: 'Hello world' }, vectors: (j) => (j?.embedding ? [j.embedding] : undefined) },
  { path: '/v1/embeddings', body: { model: MODEL, input: ['Hello world', 'How are you?'] }, vectors: (j) => j?.data?.map((d: { embedding?: unknown }) => d.embedding), openai: true },
];

function parse(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function check(ctx: ScenarioContext, c: Case): Promise<void> {
  const what = `POST ${c.path} ${JSON.stringify(c.body)}`;
  const since = ctx.fleet.cursor;
  const ex = await send(ctx.lbUrl, { path: c.path, body: c.body, timeoutMs: answerBound(ctx), signal: ctx.signal });
  expect(ex.status === 200 && ex.ending === 'complete', `${what} through the balancer: ${describe(ex)}`);
  const record = await nextRecord(ctx, since, answerBound(ctx), c.path);
  const direct = await send(backendUrl(ctx, record.server), { path: c.path, body: c.body, timeoutMs: answerBound(ctx), signal: ctx.signal });
  const got = c.vectors(parse(ex.body));
  const want = c.vectors(parse(direct.body));
  expect(Array.isArray(want) && want.length > 0, `${what} straight to backend :${record.server} gave no vectors: ${describe(direct)}`);
  expect(Array.isArray(got) && got.length === want.length, `${what}: expected ${want.length} vector(s), got ${describe(ex)}`);
  expect(JSON.stringify(got) === JSON.stringify(want), `${what}: the vectors through the balancer differ from backend :${record.server}'s`);
}

const scenario: Scenario = {
  name: 'embeddings',
  description: 'POST /api/embed (single and batch), /api/embeddings and /v1/embeddings (openaiApi targets) return the backend\'s vectors unchanged.',
  tags: ['classic', 'api', 'embeddings'],
  async run(ctx) {
    for (const c of CASES) if (!c.openai || ctx.target.traits.openaiApi) await check(ctx, c);
  },
};

export default scenario;
