// GET /events over real HTTP: the state and records events, the journal cursor and resuming from
// it (?since, Last-Event-ID), coalescing under a burst, and no cost when nobody listens.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EVENT_BODY_CHARS, INITIAL_RECORDS, TICK_MS } from '../../simulator/control/endpoints/events.js';
import { control, fleetPerTest, setBehavior } from '../behaviors/wire.js';
import { SseClient } from './sse.js';

const h = fleetPerTest(test, { servers: 2 });
const clients: SseClient[] = [];

test.after.each(() => {
  for (const c of clients.splice(0)) c.close();
});

async function open(query = '', headers: Record<string, string> = {}): Promise<SseClient> {
  const c = await SseClient.open(`${h.fleet.controlUrl}/events${query}`, headers);
  clients.push(c);
  return c;
}

/** Opens the stream and waits for its first records event (the snapshot). */
async function openReady(query = '', headers: Record<string, string> = {}): Promise<{ c: SseClient; snapshot: any; id: string }> {
  const c = await open(query, headers);
  const first = await c.until(() => c.of('records')[0], 5000, 'the first records event');
  return { c, snapshot: first.data, id: first.id! };
}

async function chat(port: number, content = 'hello there', stream = false): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'test-model', stream, messages: [{ role: 'user', content }] }) });
  await res.arrayBuffer();
  return res.status;
}

async function versions(n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => fetch(`${h.fleet.urls[i % 2]}/api/version`).then((r) => r.arrayBuffer())));
}

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`not ${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('state (every server as in /status, with rates and in-flight; the totals) and a records snapshot with the cursor', async () => {
  const c = await open();
  assert.is(c.status, 200);
  assert.match(c.contentType, /^text\/event-stream/);
  const state = (await c.until(() => c.of('state')[0], 5000, 'a state event')).data;
  const status = (await control(h.fleet, 'GET', '/status')).json;
  assert.equal(state.servers.map((s: any) => s.port), status.servers.map((s: any) => s.port));
  for (const s of state.servers) {
    for (const key of ['name', 'url', 'listening', 'admin_down', 'behavior', 'installed_models', 'loaded_models', 'busy_slots', 'num_parallel', 'queue_length', 'request_count', 'in_flight', 'requests_per_sec', 'errors_per_sec']) {
      assert.ok(key in s, `state.servers[] has ${key}`);
    }
  }
  assert.equal(Object.keys(state.totals).sort(), ['active_streams', 'busy_slots', 'errors_per_sec', 'in_flight', 'listening', 'num_parallel', 'queue_length', 'requests', 'requests_per_sec', 'servers']);
  assert.is(state.totals.servers, 2);
  assert.is(state.seed, h.fleet.seed);
  const first = await c.until(() => c.of('records')[0], 5000, 'a records event');
  assert.equal(first.data, { cursor: 0, records: [] });
  assert.match(first.id!, /^0@\d+(\.\d+)?$/);
});

test('a request comes once in progress, then once more when it ended (same id, as GET /journal has it); the cursor follows', async () => {
  await setBehavior(h.fleet, h.port, { type: 'Slow', tokens_per_sec: 10, num_tokens: 6 }); // ~600 ms: spans ticks
  const { c } = await openReady();
  const reply = chat(h.port, 'slow one', true);
  const started = await c.until(() => c.records().find((r) => r.path === '/api/chat' && r.outcome === 'in_progress'), 5000, 'the chat in progress');
  assert.is(await reply, 200);
  const ended = await c.until(() => c.records().find((r) => r.id === started.id && r.outcome === 'completed'), 5000, 'the chat ended');
  const journal = (await control(h.fleet, 'GET', '/journal')).json;
  assert.equal(ended, journal.records.find((r: any) => r.id === started.id));
  assert.is(c.records().filter((r) => r.id === started.id).length, 2, 'in progress, then ended: no more');
  const last = c.of('records').at(-1)!;
  assert.is(last.data.cursor, journal.cursor);
  assert.ok(last.id!.startsWith(`${journal.cursor}@`));
});

test(`coalesced: a burst of 300 requests arrives in a few records events (one per ${TICK_MS} ms tick at most), each ended record exactly once`, async () => {
  const { c } = await openReady();
  const before = c.of('records').length;
  const t0 = performance.now();
  await versions(300);
  const ended = () => c.records().filter((r) => r.path === '/api/version' && r.outcome !== 'in_progress');
  await c.until(() => ended().length >= 300, 10_000, '300 ended records');
  const events = c.of('records').slice(before);
  const span = events.at(-1)!.at - t0;
  assert.ok(events.length <= Math.ceil(span / TICK_MS) + 1, `${events.length} records events in ${Math.round(span)} ms: more than one per tick`);
  assert.ok(events.length < 300 / 5, `${events.length} records events for 300 requests: not coalesced`);
  const ids = ended().map((r) => r.id);
  assert.is(new Set(ids).size, 300, 'an ended record came twice');
  const journalIds = (await control(h.fleet, 'GET', '/journal')).json.records.map((r: any) => r.id);
  assert.equal([...ids].sort((a, b) => a - b), journalIds);
});

test('nobody listening costs nothing per request: the journal listener exists only while a client is connected, one for all', async () => {
  assert.is(h.fleet.listenerCount('record'), 0);
  await versions(20);
  const a = await openReady();
  const b = await openReady();
  assert.is(h.fleet.listenerCount('record'), 1, 'one shared hub, not one listener per client');
  a.c.close();
  await versions(5);
  const cursor = b.c.of('records').at(-1)!.data.cursor;
  await b.c.until(() => b.c.records().filter((r) => r.id > cursor && r.outcome === 'completed').length === 5, 5000, 'records after one client left');
  assert.is(h.fleet.listenerCount('record'), 1);
  b.c.close();
  await until(() => h.fleet.listenerCount('record') === 0, 3000, 'the journal listener removed after the last client left');
});

test('Last-Event-ID: a client that reconnects gets exactly what it missed, including the end of a request it saw start', async () => {
  await setBehavior(h.fleet, h.port, { type: 'Slow', tokens_per_sec: 10, num_tokens: 6 });
  const { c } = await openReady();
  const reply = chat(h.port, 'slow one', true);
  const started = await c.until(() => c.records().find((r) => r.path === '/api/chat' && r.outcome === 'in_progress'), 5000, 'the chat in progress');
  const lastId = c.of('records').at(-1)!.id!;
  const seen = new Set(c.records().map((r) => r.id));
  c.close();
  await reply; // ends while the client is away
  await versions(2);
  const again = await openReady('', { 'Last-Event-ID': lastId });
  const missed = again.snapshot.records;
  const fresh = (await control(h.fleet, 'GET', '/journal')).json.records.filter((r: any) => !seen.has(r.id));
  assert.equal(missed.map((r: any) => r.id), [started.id, ...fresh.map((r: any) => r.id)]);
  assert.is(missed[0].outcome, 'completed');
  assert.is(fresh.length, 2);
});

test('?since=N: every record after N; no since: the newest INITIAL_RECORDS; bad since, unknown parameters and ids are 400', async () => {
  await versions(INITIAL_RECORDS + 10);
  const all = (await control(h.fleet, 'GET', '/journal')).json.records.map((r: any) => r.id);
  const since = await openReady('?since=7');
  assert.equal(since.snapshot.records.map((r: any) => r.id), all.filter((id: number) => id > 7));
  const plain = await openReady();
  assert.equal(plain.snapshot.records.map((r: any) => r.id), all.slice(-INITIAL_RECORDS));

  let r = await control(h.fleet, 'GET', '/events?since=abc');
  assert.is(r.status, 400);
  assert.is(r.json.field, 'since');
  r = await control(h.fleet, 'GET', '/events?after=3');
  assert.is(r.status, 400);
  assert.equal(r.json.allowed, ['since']);
  const res = await fetch(`${h.fleet.controlUrl}/events`, { headers: { 'Last-Event-ID': 'yesterday' } });
  const body = await res.json();
  assert.is(res.status, 400);
  assert.is(body.field, 'Last-Event-ID');
  assert.match(body.error, /cursor@time/);
});

test(`rates: errors per second of the faulted server only; bodies cut to ${EVENT_BODY_CHARS} characters`, async () => {
  const [a, b] = h.fleet.ports;
  await setBehavior(h.fleet, a, { type: 'HttpError', status_code: 502 });
  const { c } = await openReady();
  const long = 'x'.repeat(2000);
  for (let i = 0; i < 5; i++) assert.is(await chat(a, long), 502);
  assert.is(await chat(b), 200);
  const state = await c.until(() => c.of('state').map((e) => e.data).find((s) => s.servers.find((x: any) => x.port === a).errors_per_sec > 0), 5000, 'errors_per_sec > 0');
  assert.is(state.servers.find((x: any) => x.port === b).errors_per_sec, 0);
  assert.ok(state.totals.errors_per_sec > 0);
  const rec = await c.until(() => c.records().find((r) => r.server === a && r.outcome === 'fault'), 5000, 'a faulted record');
  assert.is(rec.body.length, EVENT_BODY_CHARS);
  assert.is(rec.bodyBytes > 2000, true);
  assert.is(rec.fault, 'http_error');
});

test('HEAD /events: the stream\'s headers, no stream', async () => {
  const res = await fetch(`${h.fleet.controlUrl}/events`, { method: 'HEAD' });
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.is(h.fleet.listenerCount('record'), 0);
});

test('fleet.stop() ends every stream', async () => {
  const { c } = await openReady();
  await h.fleet.stop();
  await c.until(() => c.ended, 3000, 'the stream to end');
});

test.run();
