// dummyLLM's `simulate` modes on a simulated server, over real HTTP: what each mode does, the
// states it goes through (GET /v1/jobs/{id} and the job's journal record), the server-enforced
// timeout_ms, and flaky's seeded draws, reproducible across fresh fleets.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startFleet, type Fleet } from '../../simulator/index.js';
import { fleetPerTest } from '../behaviors/wire.js';
import { JobClient, jobRecord } from './support.js';

const h = fleetPerTest(test);
const client = () => new JobClient(h.fleet.urls[0]);
const states = (r: { job?: { events: Array<{ state: string }> } }) => r.job!.events.map((e) => e.state);

test('ok: POST answers 201 {id, state: queued, created_at}; the job runs for latency_ms, then ok with ok_text', async () => {
  const c = client();
  const before = Math.floor(Date.now() / 1000);
  const r = await c.call('POST', '/v1/jobs', { op: 'llm.chat', args: { model: 'llama3.1:8b' }, simulate: { mode: 'ok', latency_ms: 150, ok_text: 'custom success text' } });
  assert.is(r.status, 201);
  assert.equal(Object.keys(r.json), ['id', 'state', 'created_at']);
  assert.match(r.json.id, /^job_[0-9a-f]{12}$/);
  assert.is(r.json.state, 'queued');
  assert.ok(r.json.created_at >= before && r.json.created_at <= Math.floor(Date.now() / 1000), 'created_at is unix seconds');
  const record = await jobRecord(h.fleet, r.json.id);
  const view = await c.get(r.json.id);
  assert.equal(Object.keys(view), ['id', 'state', 'created_at', 'updated_at', 'result', 'error']);
  assert.is(view.state, 'ok');
  assert.equal(view.result, { text: 'custom success text', usage: { prompt_tokens: 0, completion_tokens: 3 } }, "three words, three tokens");
  assert.is(view.error, null);
  assert.ok(view.updated_at >= view.created_at);
  assert.equal(states(record), ['queued', 'running', 'ok']);
  assert.is(record.outcome, 'completed');
  assert.ok(record.endedAt! - record.startedAt! >= 149, `ran ${record.endedAt! - record.startedAt!} ms, latency_ms was 150`);
});

test('ok without ok_text: seeded prose, the same for the same request on a fresh fleet with the same seed', async () => {
  const text = async (seed: number) => {
    const fleet = await startFleet({ servers: 1, controlPort: null, seed });
    try {
      const c = new JobClient(fleet.urls[0]);
      const id = await c.create({ args: { messages: [{ role: 'user', content: 'Hello' }] }, simulate: { mode: 'ok', latency_ms: 0 } });
      await jobRecord(fleet, id);
      return (await c.get(id)).result!;
    } finally {
      await fleet.stop();
    }
  };
  const [a, b, other] = [await text(3), await text(3), await text(4)];
  assert.equal(a, b);
  assert.is(a.usage.prompt_tokens, 1);
  assert.ok(a.usage.completion_tokens > 0 && a.text.length > 0);
  assert.is.not(a.text, other.text);
});

test('fail: running, then fail with SIM_FAIL and fail_message (default "simulated error")', async () => {
  const c = client();
  const custom = await c.create({ simulate: { mode: 'fail', latency_ms: 20, fail_message: 'boom' } });
  const plain = await c.create({ simulate: { mode: 'fail', latency_ms: 20 } });
  const record = await jobRecord(h.fleet, custom);
  await jobRecord(h.fleet, plain);
  assert.equal((await c.get(custom)).error, { code: 'SIM_FAIL', message: 'boom' });
  assert.equal((await c.get(plain)).error, { code: 'SIM_FAIL', message: 'simulated error' });
  assert.is((await c.get(custom)).result, null);
  assert.equal(states(record), ['queued', 'running', 'fail']);
  assert.is(record.outcome, 'fault');
  assert.is(record.fault, 'sim_fail');
});

test('slow: ok, after 6 x latency_ms', async () => {
  const c = client();
  const id = await c.create({ simulate: { mode: 'slow', latency_ms: 40 } });
  const record = await jobRecord(h.fleet, id);
  assert.is((await c.get(id)).state, 'ok');
  assert.ok(record.endedAt! - record.startedAt! >= 239, `ran ${record.endedAt! - record.startedAt!} ms; 6 x 40 = 240`);
});

test('hang: running and silent until cancelled; cancel answers {id, state: cancelled}', async () => {
  const c = client();
  const id = await c.create({ simulate: { mode: 'hang' } });
  await c.until(id, ['running']);
  await new Promise((r) => setTimeout(r, 400)); // well past the default latency_ms (250)
  assert.is((await c.get(id)).state, 'running');
  const r = await c.cancel(id);
  assert.is(r.status, 200);
  assert.equal(r.json, { id, state: 'cancelled' });
  const view = await c.get(id);
  assert.equal(view.error, { code: 'CANCELLED', message: 'cancelled by client' });
  const record = await jobRecord(h.fleet, id);
  assert.equal(states(record), ['queued', 'running', 'cancelled']);
  assert.is(record.outcome, 'client_aborted', 'the journal says the client cancelled it');
});

test('timeout mode: running, then timeout (TIMEOUT, "simulated timeout") after latency_ms', async () => {
  const c = client();
  const id = await c.create({ simulate: { mode: 'timeout', latency_ms: 30 } });
  const record = await jobRecord(h.fleet, id);
  assert.equal((await c.get(id)).error, { code: 'TIMEOUT', message: 'simulated timeout' });
  assert.equal(states(record), ['queued', 'running', 'timeout']);
  assert.is(record.fault, 'timeout');
});

test('timeout_ms is enforced by the server: a hanging job ends as timeout, counted from creation', async () => {
  const c = client();
  const id = await c.create({ timeout_ms: 150, simulate: { mode: 'hang' } });
  const record = await jobRecord(h.fleet, id);
  const view = await c.get(id);
  assert.is(view.state, 'timeout');
  assert.equal(view.error, { code: 'TIMEOUT', message: 'job exceeded its timeout_ms (150 ms)' });
  assert.ok(record.endedAt! - record.arrivedAt >= 149, `timed out after ${record.endedAt! - record.arrivedAt} ms`);
  assert.is((await c.cancel(id)).status, 409, 'a timed-out job cannot be cancelled');
});

test('a final state is final: a job that finished before its timeout_ms stays ok', async () => {
  const c = client();
  const id = await c.create({ timeout_ms: 100, simulate: { mode: 'ok', latency_ms: 0 } });
  await jobRecord(h.fleet, id);
  await new Promise((r) => setTimeout(r, 150));
  const record = h.fleet.journal().find((r) => r.job?.id === id)!;
  assert.equal(states(record), ['queued', 'running', 'ok']);
  assert.is((await c.get(id)).state, 'ok');
});

/** Outcome letters of flaky jobs: o ok, f fail, s stall (it then times out). */
async function flakyOutcomes(fleet: Fleet, port: number, simulate: Record<string, unknown>): Promise<{ id: string; outcome: string }> {
  const c = new JobClient(`http://127.0.0.1:${port}`);
  const id = await c.create({ timeout_ms: 250, simulate: { mode: 'flaky', latency_ms: 0, ...simulate } });
  const record = await jobRecord(fleet, id);
  const letters: Record<string, string> = { ok: 'o', fail: 'f', timeout: 's' };
  return { id, outcome: letters[record.job!.state] };
}

async function seededPattern(): Promise<string> {
  const fleet = await startFleet({ servers: 1, controlPort: null });
  try {
    const outcomes = await Promise.all(Array.from({ length: 16 }, (_, seed) => flakyOutcomes(fleet, fleet.ports[0], { seed })));
    return outcomes.map((o) => o.outcome).join('');
  } finally {
    await fleet.stop();
  }
}

test('flaky with a seed: the same seed gives the same outcome across fresh fleets; the seeds give ok, fail and stall', async () => {
  const a = await seededPattern();
  const b = await seededPattern();
  assert.is(a, b);
  for (const letter of ['o', 'f', 's']) assert.ok(a.includes(letter), `no '${letter}' in ${a}`);
});

/** Five flaky jobs on each of two servers, without a job seed; `order` says which server gets the next one. */
async function fleetSeeded(order: string[]): Promise<Record<string, string[]>> {
  // Named: draws are keyed by the server's name (or position), never by the port the OS chose.
  const fleet = await startFleet({ servers: [{ port: 0, name: 'a' }, { port: 0, name: 'b' }], controlPort: null, seed: 11 });
  try {
    const out: Record<string, string[]> = { a: [], b: [] };
    for (const name of order) {
      const o = await flakyOutcomes(fleet, fleet.list().find((s) => s.name === name)!.port, {});
      out[name].push(`${o.id}:${o.outcome}`);
    }
    return out;
  } finally {
    await fleet.stop();
  }
}

test('flaky without a seed: drawn from the fleet --seed, keyed by server and job number, so interleaving servers changes nothing', async () => {
  const sequential = await fleetSeeded(['a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'b']);
  const interleaved = await fleetSeeded(['b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a']);
  assert.equal(interleaved, sequential);
  assert.is.not(sequential.a.join(), sequential.b.join(), 'the two servers draw differently');
});

test.run();
