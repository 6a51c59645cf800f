// Server behaviors and jobs. A job's execution is matched like a POST /api/chat for args.model, so
// a behavior with the default targeting shapes it (HttpError fails it with its message, Hang keeps
// it running, a cut fails it or, for Stall, freezes it holding its slot). The job API's own HTTP
// endpoints are targeted like any other route, with `endpoints: ["/v1/jobs"]` and friends.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { control, fleetPerTest } from '../behaviors/wire.js';
import { chatJob, eventually, JobClient, jobRecord } from './support.js';

const h = fleetPerTest(test, { defaults: { tokens_per_sec: 50, load_ms: 0, num_tokens: 8, num_parallel: 1 } });
const client = () => new JobClient(h.fleet.urls[0]);
const behave = async (behavior: Record<string, unknown>) => {
  const r = await control(h.fleet, 'POST', '/behavior', { port: h.port, behavior });
  assert.is(r.status, 200, JSON.stringify(r.json));
};
const serverStatus = async () => (await control(h.fleet, 'GET', '/status')).json.servers[0];
const states = (r: { job?: { events: Array<{ state: string }> } }) => r.job!.events.map((e) => e.state);

test('HttpError fails the job with its message; the job API itself keeps answering', async () => {
  await behave({ type: 'HttpError', status_code: 502, message: 'bad gateway' });
  const c = client();
  const id = await c.create(chatJob());
  const record = await jobRecord(h.fleet, id);
  assert.equal((await c.get(id)).error, { code: 'SIM_FAIL', message: 'bad gateway' });
  assert.is(record.behavior, 'HttpError');
  assert.is(record.fault, 'http_error');
  assert.equal(states(record), ['queued', 'fail']);
});

test('a simulated job is its script: behaviors do not apply to it', async () => {
  await behave({ type: 'HttpError' });
  const c = client();
  const id = await c.create({ simulate: { mode: 'ok', latency_ms: 0 } });
  const record = await jobRecord(h.fleet, id);
  assert.is((await c.get(id)).state, 'ok');
  assert.is(record.behavior, 'Normal');
});

test('Hang keeps the job running, without a slot, until cancelled or timed out', async () => {
  await behave({ type: 'Hang' });
  const c = client();
  const hung = await c.create(chatJob());
  await c.until(hung, ['running']);
  const timed = await c.create(chatJob('x', { timeout_ms: 200 }));
  const t = await jobRecord(h.fleet, timed);
  assert.equal(states(t), ['queued', 'running', 'timeout']);
  assert.is((await c.get(hung)).state, 'running');
  assert.is((await serverStatus()).busy_slots, 0, 'a request that hangs never reached the runner');
  await c.cancel(hung);
  const r = await jobRecord(h.fleet, hung);
  assert.is(r.behavior, 'Hang');
  assert.is(r.outcome, 'client_aborted');
});

test('Slow: the job generates at the behavior\'s speed', async () => {
  await behave({ type: 'Slow', tokens_per_sec: 10, num_tokens: 4 });
  const c = client();
  const id = await c.create(chatJob());
  const record = await jobRecord(h.fleet, id);
  assert.is((await c.get(id)).result!.usage.completion_tokens, 4);
  assert.ok(record.endedAt! - record.startedAt! >= 3 * 100 - 1, `4 tokens at 10/s took ${record.endedAt! - record.startedAt!} ms`);
});

test('InBandError fails the job with its message after N tokens; FailMidStream and Reset fail it naming the cut', async () => {
  const c = client();
  await behave({ type: 'InBandError', after_tokens: 2, message: 'CUDA error: out of memory' });
  const inband = await c.create(chatJob());
  const r1 = await jobRecord(h.fleet, inband);
  assert.equal((await c.get(inband)).error, { code: 'SIM_FAIL', message: 'CUDA error: out of memory' });
  assert.equal([r1.fault, r1.tokensWritten], ['inband_error', 2]);
  await behave({ type: 'FailMidStream', tokens_before_fail: 3 });
  const fin = await c.create(chatJob());
  const r2 = await jobRecord(h.fleet, fin);
  assert.equal((await c.get(fin)).error, { code: 'SIM_FAIL', message: 'the connection closed after 3 tokens' });
  assert.equal(states(r2), ['queued', 'running', 'fail']);
  assert.is(r2.fault, 'fin');
  await behave({ type: 'Reset', on: 'request' });
  const reset = await c.create(chatJob());
  const r3 = await jobRecord(h.fleet, reset);
  assert.equal((await c.get(reset)).error, { code: 'SIM_FAIL', message: 'the connection was reset after 0 tokens' });
  assert.equal(states(r3), ['queued', 'fail']);
});

test('Stall freezes the job after N tokens, holding its slot (the next job waits) until it is cancelled', async () => {
  await behave({ type: 'Stall', after_tokens: 2, times: 1 });
  const c = client();
  const stalled = await c.create(chatJob());
  await c.until(stalled, ['running']);
  const next = await c.create(chatJob('next'));
  await eventually('the next job waits for the frozen slot', serverStatus, (s) => s.queue_length === 1 && s.busy_slots === 1);
  await new Promise((r) => setTimeout(r, 300)); // 8 tokens would take 160 ms: the stalled job is frozen, not slow
  assert.equal([(await c.get(stalled)).state, (await c.get(next)).state], ['running', 'queued']);
  await c.cancel(stalled);
  const r = await jobRecord(h.fleet, stalled);
  assert.equal([r.behavior, r.abortedAfterTokens], ['Stall', 2]);
  await jobRecord(h.fleet, next);
  assert.is((await c.get(next)).state, 'ok', 'the cancel freed the slot');
});

test('TimeoutAfterHeaders with timeout_ms: running in silence, then failed when the connection would close', async () => {
  await behave({ type: 'TimeoutAfterHeaders', timeout_ms: 100 });
  const c = client();
  const id = await c.create(chatJob());
  const record = await jobRecord(h.fleet, id);
  assert.equal((await c.get(id)).error, { code: 'SIM_FAIL', message: 'the connection closed after 0 tokens and 100 ms of silence' });
  assert.equal(states(record), ['queued', 'running', 'fail']);
});

test('times counts job executions like requests: two failures, then the jobs succeed', async () => {
  await behave({ type: 'HttpError', message: 'flaky upstream', times: 2 });
  const c = client();
  const outcomes = [];
  for (let i = 0; i < 3; i++) {
    const id = await c.create(chatJob(`try ${i}`));
    outcomes.push((await jobRecord(h.fleet, id)).job!.state);
  }
  assert.equal(outcomes, ['fail', 'fail', 'ok']);
});

test('models targeting: only jobs for that model are affected', async () => {
  await behave({ type: 'HttpError', models: ['llama3.2'] });
  const c = client();
  const other = await c.create(chatJob());
  const targeted = await c.create({ args: { model: 'llama3.2:latest', messages: [{ role: 'user', content: 'hi' }] } });
  assert.is((await jobRecord(h.fleet, other)).job!.state, 'ok');
  assert.is((await jobRecord(h.fleet, targeted)).job!.state, 'fail');
});

test('Custom: a status below 400 completes the job with the body as its text; 400 and up fails it with the body', async () => {
  const c = client();
  await behave({ type: 'Custom', status_code: 200, response_body: 'canned answer' });
  const ok = await c.create(chatJob());
  await jobRecord(h.fleet, ok);
  assert.is((await c.get(ok)).result!.text, 'canned answer');
  await behave({ type: 'Custom', status_code: 500, response_body: 'upstream exploded' });
  const failed = await c.create(chatJob());
  await jobRecord(h.fleet, failed);
  assert.equal((await c.get(failed)).error, { code: 'SIM_FAIL', message: 'upstream exploded' });
});

test('endpoints ["/v1/jobs"] targets the create request itself: 503 in the job API\'s envelope, no job made', async () => {
  await behave({ type: 'HttpError', status_code: 503, message: 'maintenance', endpoints: ['/v1/jobs'] });
  const c = client();
  const r = await c.call('POST', '/v1/jobs', { op: 'llm.chat', simulate: { mode: 'ok' } });
  assert.is(r.status, 503);
  assert.equal(r.json, { error: { code: 'UNAVAILABLE', message: 'maintenance' } });
  assert.is((await serverStatus()).jobs.kept, 0);
  assert.is((await c.call('GET', '/v1/jobs')).status, 503, 'GET /v1/jobs is the same path');
  assert.is((await c.call('GET', '/v1/jobs/job_000000000000')).status, 404, 'a poll is another path');
  const chat = await fetch(`${h.fleet.urls[0]}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'test-model', messages: [], stream: false }) });
  assert.is(chat.status, 200, 'the inference endpoints are not targeted');
});

test('endpoints ["/v1/jobs/*"] targets polls and cancels; ["/health"] the health check; an unknown path is a 400', async () => {
  const c = client();
  const id = await c.create({ simulate: { mode: 'hang' } });
  await behave({ type: 'RateLimited', retry_after_s: 3, endpoints: ['/v1/jobs/*'] });
  const poll = await c.call('GET', `/v1/jobs/${id}`);
  assert.is(poll.status, 429);
  assert.is(poll.headers.get('retry-after'), '3');
  assert.is((await c.cancel(id)).status, 429);
  await behave({ type: 'HttpError', endpoints: ['/health'] });
  assert.is((await c.call('GET', '/health')).status, 500);
  const bad = await control(h.fleet, 'POST', '/behavior', { port: h.port, behavior: { type: 'HttpError', endpoints: ['/v1/jobz'] } });
  assert.is(bad.status, 400);
  assert.match(bad.json.error, '/v1/jobs');
});

test.run();
