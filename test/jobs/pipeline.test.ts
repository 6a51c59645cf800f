// A job without `simulate` runs on the server's generation pipeline: it is queued while it waits for
// a slot (num_parallel, max_queue), runs at the server's tokens_per_sec, and its usage counts what
// was generated. Cancelling or timing out a job frees its slot for the next job or chat.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startFleet } from '../../simulator/index.js';
import { control, fleetPerTest } from '../behaviors/wire.js';
import { chatJob, eventually, JobClient, jobRecord } from './support.js';

// 50 tokens/s: a token every 20 ms; one slot.
const SETTINGS = { tokens_per_sec: 50, load_ms: 0, num_tokens: 8, num_parallel: 1 };
const h = fleetPerTest(test, { defaults: SETTINGS });
const client = () => new JobClient(h.fleet.urls[0]);
const states = (r: { job?: { events: Array<{ state: string }> } }) => r.job!.events.map((e) => e.state);
const serverStatus = async () => (await control(h.fleet, 'GET', '/status')).json.servers[0];

/** A job holding the only slot for 6 s (300 tokens at 50/s), and a second one queued behind it. */
async function oneRunningOneQueued(c: JobClient): Promise<{ running: string; queued: string }> {
  await control(h.fleet, 'POST', '/behavior', { port: h.port, behavior: { type: 'Normal', num_tokens: 300 } });
  const running = await c.create(chatJob('a long one'));
  await c.until(running, ['running']);
  const queued = await c.create(chatJob('second'));
  await eventually('the second job is queued', serverStatus, (s) => s.queue_length === 1);
  assert.is((await c.get(queued)).state, 'queued');
  return { running, queued };
}

test('a job runs the chat of its args: the words /api/chat answers, usage from the generation, paced at tokens_per_sec', async () => {
  const fleet = await startFleet({ servers: 2, controlPort: null, defaults: SETTINGS });
  try {
    const messages = [{ role: 'user', content: 'Tell me about load balancers' }];
    const chat = await (await fetch(`${fleet.urls[1]}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'test-model', messages, stream: false }) })).json();
    const c = new JobClient(fleet.urls[0]);
    const id = await c.create({ args: { model: 'test-model', messages } });
    const record = await jobRecord(fleet, id);
    const view = await c.get(id);
    assert.is(view.state, 'ok');
    assert.is(view.result!.text, chat.message.content);
    assert.equal(view.result!.usage, { prompt_tokens: chat.prompt_eval_count, completion_tokens: 8 });
    assert.equal(states(record), ['queued', 'running', 'ok']);
    assert.is(record.tokensWritten, 8);
    assert.is(record.model, 'test-model');
    assert.ok(record.endedAt! - record.startedAt! >= 7 * 20 - 1, `8 tokens at 50/s took ${record.endedAt! - record.startedAt!} ms`);
  } finally {
    await fleet.stop();
  }
});

test('args.options.num_predict limits the reply like it does a chat', async () => {
  const c = client();
  const id = await c.create(chatJob('Hello', { args: { model: 'test-model', messages: [{ role: 'user', content: 'Hello' }], options: { num_predict: 3 } } }));
  await jobRecord(h.fleet, id);
  assert.is((await c.get(id)).result!.usage.completion_tokens, 3);
});

test('queued means waiting for a slot: behind a streaming chat the job stays queued, then runs when the chat ends', async () => {
  const c = client();
  await control(h.fleet, 'POST', '/behavior', { port: h.port, behavior: { type: 'Normal', num_tokens: 300, times: 1 } });
  const chat = await fetch(`${h.fleet.urls[0]}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'test-model', messages: [{ role: 'user', content: 'hi' }] }) });
  const reader = chat.body!.getReader();
  await reader.read(); // the chat holds the only slot
  const id = await c.create(chatJob());
  await eventually('the job waits in the queue', serverStatus, (s) => s.queue_length === 1);
  assert.is((await c.get(id)).state, 'queued');
  await reader.cancel(); // the client leaves: the slot is free
  await c.until(id, ['running', 'ok']);
  const record = await jobRecord(h.fleet, id);
  const chatRecord = h.fleet.journal().find((r) => r.path === '/api/chat')!;
  assert.is(chatRecord.outcome, 'client_aborted');
  assert.ok(record.startedAt! >= chatRecord.endedAt!, 'the job got the slot after the chat let it go');
});

test('cancel while queued: the job leaves the queue at once and never runs', async () => {
  const c = client();
  const { running, queued } = await oneRunningOneQueued(c);
  assert.equal((await c.cancel(queued)).json, { id: queued, state: 'cancelled' });
  const record = await jobRecord(h.fleet, queued);
  assert.equal(states(record), ['queued', 'cancelled']);
  assert.is(record.startedAt, null);
  assert.is(record.outcome, 'client_aborted');
  assert.is((await serverStatus()).queue_length, 0);
  assert.is((await c.get(running)).state, 'running');
  await c.cancel(running);
});

test('cancel while running: the slot is freed at once for the next job in the queue, and for a chat', async () => {
  const c = client();
  const { running: first, queued: next } = await oneRunningOneQueued(c);
  await c.cancel(first);
  const cancelled = await jobRecord(h.fleet, first);
  assert.is(cancelled.outcome, 'client_aborted');
  assert.ok(cancelled.abortedAfterTokens! < 300, `cancelled after ${cancelled.abortedAfterTokens} of 300 tokens`);
  // 300 tokens at 50/s would hold the slot for 6 s: the next job runs within 1 s of the cancel.
  await c.until(next, ['running'], 1000);
  const nextRecord = h.fleet.journal().find((r) => r.job?.id === next)!;
  assert.ok(nextRecord.startedAt! - cancelled.endedAt! < 1000, `the next job started ${nextRecord.startedAt! - cancelled.endedAt!} ms after the cancel`);
  await c.cancel(next);
  await jobRecord(h.fleet, next);
  await control(h.fleet, 'POST', '/behavior', { port: h.port, behavior: { type: 'Normal' } });
  const chat = await fetch(`${h.fleet.urls[0]}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'test-model', messages: [{ role: 'user', content: 'hi' }], stream: false }), signal: AbortSignal.timeout(2000) });
  assert.is(chat.status, 200, 'a chat gets the slot the cancelled jobs left');
  await chat.arrayBuffer();
});

test('timeout_ms while queued: timeout straight from queued; while running: timeout, and the slot is freed', async () => {
  const c = client();
  await control(h.fleet, 'POST', '/behavior', { port: h.port, behavior: { type: 'Normal', num_tokens: 300 } });
  const running = await c.create(chatJob('runs', { timeout_ms: 400 }));
  await c.until(running, ['running']);
  const queued = await c.create(chatJob('waits', { timeout_ms: 150 }));
  const q = await jobRecord(h.fleet, queued);
  assert.equal(states(q), ['queued', 'timeout']);
  assert.equal((await c.get(queued)).error, { code: 'TIMEOUT', message: 'job exceeded its timeout_ms (150 ms)' });
  const r = await jobRecord(h.fleet, running);
  assert.equal(states(r), ['queued', 'running', 'timeout']);
  assert.is(r.fault, 'timeout');
  assert.ok(r.tokensWritten > 0 && r.tokensWritten < 300);
  await eventually('the slot is free', serverStatus, (s) => s.busy_slots === 0, 1000);
});

test('a model the server does not have: fail with the chat\'s own 404 text, from queued', async () => {
  const c = client();
  const id = await c.create({ args: { model: 'llama3.1:8b', messages: [{ role: 'user', content: 'Hello' }] } });
  const record = await jobRecord(h.fleet, id);
  assert.equal((await c.get(id)).error, { code: 'SIM_FAIL', message: "model 'llama3.1:8b' not found" });
  assert.equal(states(record), ['queued', 'fail']);
  assert.is(record.fault, 'http_error');
});

test('past max_queue the job fails with "server busy", like a chat gets 503', async () => {
  const fleet = await startFleet({ servers: 1, controlPort: null, defaults: { ...SETTINGS, max_queue: 0, num_tokens: 300 } });
  try {
    const c = new JobClient(fleet.urls[0]);
    const first = await c.create(chatJob());
    await c.until(first, ['running']);
    const refused = await c.create(chatJob('refused'));
    const record = await jobRecord(fleet, refused);
    assert.equal((await c.get(refused)).error, { code: 'SIM_FAIL', message: 'server busy, please try again.  maximum pending requests exceeded' });
    assert.is(record.fault, 'busy');
    await c.cancel(first);
  } finally {
    await fleet.stop();
  }
});

test('/status counts the kept jobs by state; POST /reset cancels unfinished jobs (not as the client) and forgets all', async () => {
  const c = client();
  const done = await c.create({ simulate: { mode: 'ok', latency_ms: 0 } });
  await jobRecord(h.fleet, done);
  const hanging = await c.create({ simulate: { mode: 'hang' } });
  await c.until(hanging, ['running']);
  const jobs = (await serverStatus()).jobs;
  assert.equal(jobs, { kept: 2, queued: 0, running: 1, ok: 1, fail: 0, timeout: 0, cancelled: 0 });
  await control(h.fleet, 'POST', '/reset', {});
  const record = await jobRecord(h.fleet, hanging);
  assert.is(record.job!.state, 'cancelled');
  assert.equal(record.job!.error, { code: 'CANCELLED', message: 'the server was reset (POST /reset)' });
  assert.is(record.outcome, 'fault');
  assert.is(record.fault, 'cancelled');
  assert.is((await c.call('GET', `/v1/jobs/${done}`)).status, 404);
  assert.is((await serverStatus()).jobs.kept, 0);
});

test.run();
