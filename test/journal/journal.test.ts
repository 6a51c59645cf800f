// The journal: one record per request, ended as completed, client_aborted (with the token count
// when the client left) or fault; a bounded ring per server; GET /journal with since/limit/cursor.
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Fleet, JournalRecord } from '../../simulator/index.js';
import { chatRequest, control, setBehavior, streamedLines, fleetPerTest, wireFleet } from '../behaviors/wire.js';

const h = fleetPerTest(test);

async function chat(fleet: Fleet, extra: Record<string, unknown> = {}): Promise<number> {
  const res = await fetch(`${fleet.urls[0]}/api/chat`, {
    method: 'POST',
    body: JSON.stringify({ model: 'test-model', messages: [{ role: 'user', content: 'hi' }], ...extra }),
  });
  await res.arrayBuffer();
  return res.status;
}

test('a completed stream: outcome, status, timings and what was written', async () => {
  await chat(h.fleet);
  const r = await h.fleet.waitForRecord((x) => x.path === '/api/chat');
  assert.is(r.outcome, 'completed');
  assert.is(r.fault, null);
  assert.is(r.status, 200);
  assert.is(r.server, h.port);
  assert.is(r.method, 'POST');
  assert.is(r.model, 'test-model');
  assert.is(r.behavior, 'Normal');
  assert.is(r.tokensWritten, 8);
  assert.is(r.linesWritten, 9, '8 chunks and the done line');
  assert.ok(r.arrivedAt <= r.startedAt! && r.startedAt! <= r.firstByteAt! && r.firstByteAt! <= r.endedAt!);
});

/** The first record matching, as soon as it is journaled (ended or not). */
async function eventuallyRecord(fleet: Fleet, match: (r: JournalRecord) => boolean): Promise<JournalRecord> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const r = fleet.journal().find(match);
    if (r) return r;
    if (Date.now() > deadline) throw new Error('no such record within 5000 ms');
    await new Promise((res) => setTimeout(res, 20));
  }
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function chatBytes(fleet: Fleet, stream: boolean): Promise<Buffer> {
  const res = await fetch(`${fleet.urls[0]}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'test-model', messages: [{ role: 'user', content: 'hi' }], stream }) });
  return Buffer.from(await res.arrayBuffer());
}

test('writtenSha256 is the hash of the body bytes the client got, streamed or not, and differs between two answers of the same text', async () => {
  const streamed = await chatBytes(h.fleet, true);
  const first = await h.fleet.waitForRecord((x) => x.path === '/api/chat');
  assert.is(first.bytesWritten, streamed.length);
  assert.is(first.writtenSha256, sha256(streamed));
  const since = h.fleet.cursor;
  const again = await chatBytes(h.fleet, true);
  const second = await h.fleet.waitForRecord((x) => x.path === '/api/chat', 5000, since);
  assert.is(second.writtenSha256, sha256(again));
  assert.is.not(second.writtenSha256, first.writtenSha256, 'same words, but the timestamps and durations of another answer');
  const beforeWhole = h.fleet.cursor;
  const whole = await chatBytes(h.fleet, false);
  const third = await h.fleet.waitForRecord((x) => x.path === '/api/chat', 5000, beforeWhole);
  assert.is(third.writtenSha256, sha256(whole));
});

test('writtenSha256 is empty while the response runs and covers what left before a client abort', async () => {
  await setBehavior(h.fleet, h.port, { type: 'Slow', tokens_per_sec: 40, num_tokens: 200 });
  const c = h.open().send(chatRequest());
  await c.until((s) => streamedLines(s.text).lines.length >= 3, 5000, 'three lines');
  const running = h.fleet.journal().find((x) => x.path === '/api/chat')!;
  assert.is(running.writtenSha256, '');
  c.destroy();
  const r = await h.fleet.waitForRecord((x) => x.path === '/api/chat');
  assert.is(r.outcome, 'client_aborted');
  assert.match(r.writtenSha256, /^[0-9a-f]{64}$/);
});

test('waitForRecord waits for the end of a hung response, which is a fault from its start', async () => {
  await setBehavior(h.fleet, h.port, { type: 'Hang' });
  const c = h.open().send(chatRequest());
  const hung = await eventuallyRecord(h.fleet, (x) => x.path === '/api/chat' && x.fault === 'hang');
  assert.is(hung.endedAt, null);
  const early = await h.fleet.waitForRecord((x) => x.path === '/api/chat', 300).then(() => 'resolved', (e: Error) => e.message);
  assert.match(early, /no matching journal record within 300 ms/, 'a hung response has not ended while its connection is open');
  const ended = h.fleet.waitForRecord((x) => x.path === '/api/chat', 5000);
  c.destroy();
  const r = await ended;
  assert.is(r.id, hung.id);
  assert.ok(r.endedAt !== null && r.outcome === 'fault');
});

test('a client that leaves mid-stream: client_aborted with abortedAfterTokens', async () => {
  await setBehavior(h.fleet, h.port, { type: 'Slow', tokens_per_sec: 40, num_tokens: 200 });
  const c = h.open().send(chatRequest());
  await c.until((s) => streamedLines(s.text).lines.length >= 3, 5000, 'three lines');
  c.destroy();
  const r = await h.fleet.waitForRecord((x) => x.path === '/api/chat');
  assert.is(r.outcome, 'client_aborted');
  assert.ok(r.abortedAfterTokens! >= 3 && r.abortedAfterTokens! < 200, `aborted after ${r.abortedAfterTokens}`);
  assert.is(r.fault, null);
});

test('faults are recorded with their kind', async () => {
  await setBehavior(h.fleet, h.port, { type: 'FailMidStream', tokens_before_fail: 2 });
  await chat(h.fleet).catch(() => 0);
  const fin = await h.fleet.waitForRecord((x) => x.path === '/api/chat');
  assert.is(fin.outcome, 'fault');
  assert.is(fin.fault, 'fin');
  assert.is(fin.behavior, 'FailMidStream');
  assert.is(fin.linesWritten, 2);

  const since = h.fleet.cursor;
  await setBehavior(h.fleet, h.port, { type: 'HttpError', status_code: 502 });
  assert.is(await chat(h.fleet), 502);
  const err = await h.fleet.waitForRecord((x) => x.path === '/api/chat', 5000, since);
  assert.is(err.fault, 'http_error');
  assert.is(err.status, 502);
});

test('the ring keeps the newest journal_size records per server', async () => {
  const w = await wireFleet({ defaults: { tokens_per_sec: 500, load_ms: 0, num_tokens: 2, journal_size: 5 } });
  try {
    for (let i = 0; i < 8; i++) await fetch(w.fleet.urls[0] + '/api/version').then((r) => r.arrayBuffer());
    const records = w.fleet.journal();
    assert.equal(records.map((r) => r.seq), [4, 5, 6, 7, 8]);
    const api = await control(w.fleet, 'GET', '/journal');
    assert.equal(api.json.records.map((r: { seq: number }) => r.seq), [4, 5, 6, 7, 8]);
  } finally {
    await w.close();
  }
});

test('GET /journal: since, limit, port and a cursor to page with', async () => {
  for (let i = 0; i < 5; i++) await fetch(h.fleet.urls[0] + '/api/version').then((r) => r.arrayBuffer());
  const all = await control(h.fleet, 'GET', '/journal');
  assert.is(all.status, 200);
  assert.is(all.json.records.length, 5);
  const ids = all.json.records.map((r: { id: number }) => r.id);
  assert.is(all.json.cursor, ids[4]);

  const page1 = await control(h.fleet, 'GET', '/journal?limit=2');
  assert.equal(page1.json.records.map((r: { id: number }) => r.id), ids.slice(0, 2));
  const page2 = await control(h.fleet, 'GET', `/journal?limit=2&since=${page1.json.cursor}`);
  assert.equal(page2.json.records.map((r: { id: number }) => r.id), ids.slice(2, 4));
  const rest = await control(h.fleet, 'GET', `/journal?since=${page2.json.cursor}&port=${h.port}`);
  assert.equal(rest.json.records.map((r: { id: number }) => r.id), ids.slice(4));
  const none = await control(h.fleet, 'GET', `/journal?since=${rest.json.cursor}`);
  assert.equal(none.json.records, []);
  assert.is(none.json.cursor, rest.json.cursor);
});

test('GET /journal rejects bad query parameters; DELETE /journal empties it', async () => {
  for (const [q, field] of [['since=abc', 'since'], ['limit=-1', 'limit'], ['port=x', 'port'], ['limit=0', 'limit'], ['sinse=1', 'sinse']]) {
    const r = await control(h.fleet, 'GET', `/journal?${q}`);
    assert.is(r.status, 400, q);
    assert.is(r.json.field, field, q);
  }
  assert.is((await control(h.fleet, 'GET', '/journal?port=1')).status, 404);
  await fetch(h.fleet.urls[0] + '/').then((r) => r.arrayBuffer());
  assert.is((await control(h.fleet, 'GET', '/journal')).json.records.length, 1);
  assert.is((await control(h.fleet, 'DELETE', '/journal')).status, 200);
  assert.is((await control(h.fleet, 'GET', '/journal')).json.records.length, 0);
});

test.run();
