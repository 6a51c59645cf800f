// POST /execute of a node agent over real HTTP: seed 002's job body, Ollama's answer through the
// same generation pipeline (same words as /api/generate), FastAPI's 422 for a bad body, Ollama's
// errors relayed as the agent relays them (502), behaviors applied, and no /execute on a plain server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'node:http';
import { startFleet, type Fleet } from '../../simulator/index.js';
import { hubStub, type HubStub } from './hub-stub.js';

let hub: HubStub;
let fleet: Fleet;

test.before.each(async () => {
  hub = await hubStub();
  fleet = await startFleet({
    servers: [{ port: 0, hub_url: hub.url, heartbeat_interval: '1s' }, { port: 0 }],
    controlPort: null,
    defaults: { load_ms: 0, tokens_per_sec: 400, num_tokens: 6 },
  });
});

test.after.each(async () => {
  await fleet.stop();
  await hub.close();
});

const agentUrl = () => fleet.list().find((s) => s.agent !== null)!.url;
const plainUrl = () => fleet.list().find((s) => s.agent === null)!.url;

async function post(url: string, path: string, body: unknown): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(url + path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

const job = (extra: Record<string, unknown> = {}) => ({ job_id: 'job-1', model: 'test-model:latest', prompt: 'Why is the sky blue?', ...extra });

test('a non-streamed job answers what /api/generate answers for the same prompt', async () => {
  const ex = await post(agentUrl(), '/execute', job({ stream: false }));
  const direct = await post(agentUrl(), '/api/generate', { model: 'test-model:latest', prompt: 'Why is the sky blue?', stream: false });
  assert.is(ex.status, 200);
  assert.is(ex.type, 'application/json; charset=utf-8');
  const a = JSON.parse(ex.text);
  const b = JSON.parse(direct.text);
  assert.is(a.response, b.response);
  assert.is(a.done, true);
  assert.equal(Object.keys(a), Object.keys(b));
  const rec = fleet.journal().find((r) => r.path === '/execute')!;
  assert.is(rec.model, 'test-model:latest');
  assert.is(rec.stream, false);
  assert.is(rec.outcome, 'completed');
  assert.ok(rec.body.includes('"job_id":"job-1"'));
});

test('stream defaults to true: NDJSON lines ending with done:true; options reach Ollama', async () => {
  const ex = await post(agentUrl(), '/execute', job({ options: { num_predict: 3 } }));
  assert.is(ex.status, 200);
  assert.is(ex.type, 'application/x-ndjson');
  const lines = ex.text.trim().split('\n').map((l) => JSON.parse(l));
  const last = lines[lines.length - 1];
  assert.is(last.done, true);
  assert.is(last.done_reason, 'length');
  assert.is(last.eval_count, 3);
  assert.is(fleet.journal().find((r) => r.path === '/execute')!.stream, true);
});

test("a bad job body is FastAPI's 422, one entry per problem", async () => {
  let r = await post(agentUrl(), '/execute', { model: 'test-model', prompt: 'x' });
  assert.is(r.status, 422);
  assert.equal(JSON.parse(r.text), { detail: [{ type: 'missing', loc: ['body', 'job_id'], msg: 'Field required', input: { model: 'test-model', prompt: 'x' } }] });
  r = await post(agentUrl(), '/execute', { job_id: 1, model: 'm', prompt: 'x', options: [], stream: 'maybe' });
  assert.equal(JSON.parse(r.text).detail.map((d: { type: string; loc: unknown[] }) => [d.type, d.loc[1]]), [
    ['string_type', 'job_id'], ['dict_type', 'options'], ['bool_type', 'stream'],
  ]);
  r = await post(agentUrl(), '/execute', '{"job_id":');
  assert.is(r.status, 422);
  assert.is(JSON.parse(r.text).detail[0].type, 'json_invalid');
  r = await post(agentUrl(), '/execute', '');
  assert.equal(JSON.parse(r.text).detail[0].loc, ['body']);
  r = await post(agentUrl(), '/execute', job({ stream: 'no' }));
  assert.is(r.status, 200, 'pydantic reads "no" as false');
  assert.is(JSON.parse(r.text).done, true);
});

test('Ollama errors come back as the agent relays them: 502 with httpx text in detail', async () => {
  const r = await post(agentUrl(), '/execute', job({ model: 'ghost:latest' }));
  assert.is(r.status, 502);
  assert.is(r.type, 'application/json');
  assert.match(JSON.parse(r.text).detail, /^Ollama error: Client error '404 Not Found' for url 'http:\/\/127\.0\.0\.1:\d+\/api\/generate'/);
  assert.is(fleet.journal().find((r) => r.path === '/execute')!.status, 502);
});

test('behaviors apply to /execute (it is an inference endpoint), and targeting can pick it', async () => {
  const port = Number(new URL(agentUrl()).port);
  fleet.setBehavior(port, { type: 'HttpError', status_code: 503, times: 1 });
  let r = await post(agentUrl(), '/execute', job());
  assert.is(r.status, 502);
  assert.match(r.text, /Server error '503 Service Unavailable'/);
  fleet.setBehavior(port, { type: 'HttpError', endpoints: ['/api/chat'] });
  r = await post(agentUrl(), '/execute', job({ stream: false }));
  assert.is(r.status, 200);
  fleet.setBehavior(port, { type: 'Reset', on: 'request', endpoints: ['/execute'] });
  const error = await new Promise<string>((resolve) => {
    const req = request(`${agentUrl()}/execute`, { method: 'POST' }, (res) => resolve(`answered ${res.statusCode}`));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end(JSON.stringify(job()));
  });
  assert.is(error, 'ECONNRESET');
  const rec = fleet.journal().filter((r) => r.path === '/execute').pop()!;
  assert.equal([rec.behavior, rec.fault], ['Reset', 'reset']);
});

test('a server without hub_url has no /execute, as Ollama has none', async () => {
  const r = await post(plainUrl(), '/execute', job());
  assert.is(r.status, 404);
  assert.is(r.text, '404 page not found');
});

test.run();
