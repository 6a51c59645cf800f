// The job API's edges: /health, every bad field a 400 naming it (and the allowed values), 404 and
// 409, the list and its filters, the store's bound (finished jobs evicted oldest first; a store full
// of unfinished jobs refuses with 503, losing nothing), seeded ids, and each job's journal record.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startFleet } from '../../simulator/index.js';
import { control, fleetPerTest } from '../behaviors/wire.js';
import { chatJob, JobClient, jobRecord } from './support.js';

const h = fleetPerTest(test, { defaults: { max_jobs: 3, load_ms: 0, tokens_per_sec: 500, num_tokens: 4 } });
const client = () => new JobClient(h.fleet.urls[0]);
const kept = async () => (await control(h.fleet, 'GET', '/status')).json.servers[0].jobs.kept;

test('GET /health: {"ok":true,"name","time"} with the server\'s name and unix seconds', async () => {
  const fleet = await startFleet({ servers: [{ port: 0, name: 'gpu-a' }], controlPort: null });
  try {
    const r = await new JobClient(fleet.urls[0]).call('GET', '/health');
    assert.is(r.status, 200);
    assert.equal(Object.keys(r.json), ['ok', 'name', 'time']);
    assert.equal([r.json.ok, r.json.name], [true, 'gpu-a']);
    assert.ok(Math.abs(r.json.time - Date.now() / 1000) < 5);
  } finally {
    await fleet.stop();
  }
});

const BAD: Array<[string, unknown, string | undefined, string[] | undefined]> = [
  ['empty body', '', undefined, undefined],
  ['not JSON', '{"op":', undefined, undefined],
  ['an array', '[]', undefined, undefined],
  ['a misspelt field', { op: 'llm.chat', simulte: { mode: 'ok' } }, 'simulte', ['op', 'args', 'timeout_ms', 'trace_id', 'simulate']],
  ['no op', { simulate: { mode: 'ok' } }, 'op', undefined],
  ['another op on the model', { op: 'llm.embed', args: { model: 'test-model' } }, 'op', ['llm.chat']],
  ["the README's mode placeholder", { op: 'llm.chat', simulate: { mode: 'ok | fail | slow | hang | flaky | timeout' } }, 'simulate.mode', ['ok', 'fail', 'slow', 'hang', 'flaky', 'timeout']],
  ['latency_ms as a string', { op: 'llm.chat', simulate: { latency_ms: '250' } }, 'simulate.latency_ms', undefined],
  ['a negative latency_ms', { op: 'llm.chat', simulate: { latency_ms: -1 } }, 'simulate.latency_ms', undefined],
  ['a fractional seed', { op: 'llm.chat', simulate: { mode: 'flaky', seed: 1.5 } }, 'simulate.seed', undefined],
  ['an unknown simulate field', { op: 'llm.chat', simulate: { mode: 'ok', delay: 5 } }, 'simulate.delay', ['mode', 'latency_ms', 'seed', 'fail_message', 'ok_text']],
  ['simulate not an object', { op: 'llm.chat', simulate: 'ok' }, 'simulate', undefined],
  ['timeout_ms 0', { op: 'llm.chat', timeout_ms: 0, simulate: {} }, 'timeout_ms', undefined],
  ['trace_id a number', { op: 'llm.chat', trace_id: 5, simulate: {} }, 'trace_id', undefined],
  ['args not an object', { op: 'llm.chat', args: 'llama3.2' }, 'args', undefined],
  ['no model without simulate', { op: 'llm.chat', args: { messages: [] } }, 'args.model', undefined],
  ['an unknown args field', { op: 'llm.chat', args: { model: 'test-model', temperature: 0.2 } }, 'args.temperature', ['model', 'messages', 'options']],
  ['messages not an array', { op: 'llm.chat', args: { model: 'test-model', messages: 'hi' } }, 'args.messages', undefined],
  ['a message without role', { op: 'llm.chat', args: { model: 'test-model', messages: [{ content: 'hi' }] } }, 'args.messages[0].role', undefined],
  ['an unknown message field', { op: 'llm.chat', args: { model: 'test-model', messages: [{ role: 'user', content: 'hi', name: 'x' }] } }, 'args.messages[0].name', ['role', 'content']],
  ['num_predict a string', { op: 'llm.chat', args: { model: 'test-model', options: { num_predict: 'x' } } }, 'args.options.num_predict', undefined],
];

test('every bad field is a 400 naming the field (and the allowed values); nothing is created', async () => {
  const c = client();
  for (const [what, body, field, allowed] of BAD) {
    const r = await c.call('POST', '/v1/jobs', body);
    assert.is(r.status, 400, `${what}: ${r.status} ${JSON.stringify(r.json)}`);
    assert.is(r.json.error.code, 'BAD_REQUEST', what);
    assert.type(r.json.error.message, 'string');
    assert.is(r.json.error.field, field, `${what}: ${r.json.error.message}`);
    if (field) assert.match(r.json.error.message, field, what);
    assert.equal(r.json.error.allowed, allowed, what);
  }
  assert.is(await kept(), 0);
});

test('with simulate, any op and any args.model are accepted, as in dummyLLM', async () => {
  const c = client();
  const id = await c.create({ op: 'tool.search', args: { model: 'not-installed:1b' }, simulate: { mode: 'ok', latency_ms: 0 } });
  await jobRecord(h.fleet, id);
  assert.is((await c.get(id)).state, 'ok');
});

test('404 for an unknown id (GET and cancel); 409 for cancelling a finished job; 405 for another method', async () => {
  const c = client();
  for (const r of [await c.call('GET', '/v1/jobs/job_0123456789ab'), await c.cancel('job_0123456789ab')]) {
    assert.is(r.status, 404);
    assert.is(r.json.error.code, 'NOT_FOUND');
    assert.match(r.json.error.message, 'job_0123456789ab');
  }
  const ok = await c.create({ simulate: { mode: 'ok', latency_ms: 0 } });
  await jobRecord(h.fleet, ok);
  const r = await c.cancel(ok);
  assert.is(r.status, 409);
  assert.equal(r.json.error, { code: 'CONFLICT', message: `job ${ok} is already ok: only a queued or running job can be cancelled` });
  const hang = await c.create({ simulate: { mode: 'hang' } });
  assert.is((await c.cancel(hang)).status, 200);
  assert.match((await c.cancel(hang)).json.error.message, 'already cancelled');
  const del = await fetch(`${h.fleet.urls[0]}/v1/jobs/${ok}`, { method: 'DELETE' });
  assert.equal([del.status, del.headers.get('allow')], [405, 'GET']);
  await del.arrayBuffer();
});

test('GET /v1/jobs: newest first, filtered by state and trace_id, limited, with the total', async () => {
  const c = client();
  const a = await c.create({ trace_id: 'run-1', simulate: { mode: 'ok', latency_ms: 0 } });
  await jobRecord(h.fleet, a);
  const b = await c.create({ trace_id: 'run-1', simulate: { mode: 'hang' } });
  const d = await c.create({ trace_id: 'run-2', simulate: { mode: 'hang' } });
  await c.until(d, ['running']);
  const all = await c.call('GET', '/v1/jobs');
  assert.equal(all.json.jobs.map((j: { id: string }) => j.id), [d, b, a]);
  assert.equal(Object.keys(all.json.jobs[0]), ['id', 'state', 'created_at', 'updated_at', 'result', 'error', 'trace_id']);
  assert.is(all.json.total, 3);
  assert.equal((await c.call('GET', '/v1/jobs?trace_id=run-1')).json.jobs.map((j: { id: string }) => j.id), [b, a]);
  assert.equal((await c.call('GET', '/v1/jobs?state=ok')).json.jobs.map((j: { id: string }) => j.id), [a]);
  assert.equal((await c.call('GET', '/v1/jobs?state=ok,running&trace_id=run-1')).json.jobs.map((j: { id: string }) => j.id), [b, a]);
  const one = await c.call('GET', '/v1/jobs?limit=1');
  assert.equal([one.json.jobs.length, one.json.total], [1, 3]);
  const badState = await c.call('GET', '/v1/jobs?state=done');
  assert.equal([badState.status, badState.json.error.field, badState.json.error.allowed], [400, 'state', ['queued', 'running', 'ok', 'fail', 'timeout', 'cancelled']]);
  assert.is((await c.call('GET', '/v1/jobs?limit=0')).json.error.field, 'limit');
  assert.is((await c.call('GET', '/v1/jobs?limit=4')).status, 400, 'past max_jobs (3)');
  assert.equal((await c.call('GET', '/v1/jobs?status=ok')).json.error.allowed, ['state', 'trace_id', 'limit']);
});

test('the bound: past max_jobs the oldest finished job is evicted; a store full of unfinished jobs refuses with 503 and loses nothing', async () => {
  const c = client();
  const done = await c.create({ simulate: { mode: 'ok', latency_ms: 0 } });
  await jobRecord(h.fleet, done);
  const hanging = [await c.create({ simulate: { mode: 'hang' } }), await c.create({ simulate: { mode: 'hang' } })];
  hanging.push(await c.create({ simulate: { mode: 'hang' } })); // the fourth: the finished one makes room
  assert.is((await c.call('GET', `/v1/jobs/${done}`)).status, 404, 'the finished job was evicted');
  const refused = await c.call('POST', '/v1/jobs', { op: 'llm.chat', simulate: { mode: 'ok' } });
  assert.is(refused.status, 503);
  assert.is(refused.headers.get('retry-after'), '1');
  assert.equal(refused.json.error.code, 'UNAVAILABLE');
  assert.match(refused.json.error.message, 'all 3 kept jobs (max_jobs) are queued or running');
  for (const id of hanging) assert.is((await c.get(id)).state, 'running', 'nothing lost');
  assert.is(h.fleet.journal().filter((r) => r.job).length, 4, 'the refused job has no record');
  await c.cancel(hanging[0]);
  const after = await c.create({ simulate: { mode: 'hang' } });
  assert.is((await c.call('GET', `/v1/jobs/${hanging[0]}`)).status, 404, 'the cancelled job made room');
  for (const id of [...hanging.slice(1), after]) assert.is((await c.get(id)).state, 'running');
});

test('ids: job_ + 12 hex, the same sequence on a fresh fleet with the same seed, another with another seed', async () => {
  const ids = async (seed: number) => {
    // Named servers: a server's draws are keyed by its name (or its position in the fleet), not by
    // its port, and fleet.urls is in the order of the ports the OS chose.
    const fleet = await startFleet({ servers: [{ port: 0, name: 'a' }, { port: 0, name: 'b' }], controlPort: null, seed });
    const url = (name: string) => fleet.list().find((s) => s.name === name)!.url;
    try {
      const out = [];
      for (const name of ['a', 'b', 'a', 'b']) out.push(await new JobClient(url(name)).create({ simulate: { mode: 'ok', latency_ms: 0 } }));
      return out;
    } finally {
      await fleet.stop();
    }
  };
  const [a, b, other] = [await ids(5), await ids(5), await ids(6)];
  assert.equal(a, b);
  for (const id of a) assert.match(id, /^job_[0-9a-f]{12}$/);
  assert.is(new Set(a).size, 4);
  assert.is(new Set([...a, ...other]).size, 8);
});

test('each job has a journal record: method JOB, its body, trace_id and mode, every state with its time; it counts as no request', async () => {
  const c = client();
  const body = { op: 'llm.chat', trace_id: 'trace-42', ...chatJob('Hello') };
  const r = await c.call('POST', '/v1/jobs', body);
  const record = await jobRecord(h.fleet, r.json.id);
  const post = h.fleet.journal().find((x) => x.method === 'POST' && x.path === '/v1/jobs')!;
  assert.equal([record.method, record.path, record.server, record.model], ['JOB', `/v1/jobs/${r.json.id}`, h.port, 'test-model']);
  assert.equal([record.body, record.bodySha256, record.bodyBytes], [post.body, post.bodySha256, post.bodyBytes]);
  assert.is(record.body, JSON.stringify(body));
  assert.equal({ ...record.job!, events: record.job!.events.map((e) => e.state) }, { id: r.json.id, trace_id: 'trace-42', mode: 'model', state: 'ok', events: ['queued', 'running', 'ok'], error: null });
  const times = record.job!.events.map((e) => e.at);
  assert.ok(times[0] === record.arrivedAt && times[1] >= times[0] && times[2] === record.endedAt);
  assert.ok(record.startedAt! >= times[0] && record.startedAt! <= times[1] + 1);
  await c.get(r.json.id);
  const count = (await control(h.fleet, 'GET', `/request-count/${h.port}`)).json.request_count;
  assert.is(count, h.fleet.journal().filter((x) => x.method !== 'JOB').length);
});

test.run();
