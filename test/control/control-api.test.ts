// Every control endpoint over real HTTP, with the Rust simulator's payloads and every error case:
// 400 naming the field (and the allowed values), 404 for an unknown port or path, never a 500.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BEHAVIOR_TYPES } from '../../simulator/index.js';
import { chatRequest, connectResult, control, setBehavior, streamedLines, fleetPerTest } from '../behaviors/wire.js';

const h = fleetPerTest(test, { servers: 2 });

async function chat(port: number, model = 'test-model'): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/chat`, {
    method: 'POST',
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello there' }], stream: false }),
  });
  await res.arrayBuffer();
  return res.status;
}

test('GET /health', async () => {
  assert.equal(await control(h.fleet, 'GET', '/health'), { status: 200, json: { status: 'ok' }, text: '{"status":"ok"}' });
});

test('GET /status: every server in port order with behavior, models, slots and listener state', async () => {
  await setBehavior(h.fleet, h.fleet.ports[1], { type: 'Stall', after_tokens: 4 });
  const { status, json } = await control(h.fleet, 'GET', '/status');
  assert.is(status, 200);
  const ports = json.servers.map((s: { port: number }) => s.port);
  assert.equal(ports, [...h.fleet.ports].sort((a, b) => a - b));
  const s1 = json.servers.find((s: { port: number }) => s.port === h.fleet.ports[1]);
  assert.equal(s1.behavior, { type: 'Stall', after_tokens: 4 });
  for (const key of ['installed_models', 'loaded_models', 'busy_slots', 'queue_length', 'request_count', 'listening', 'accepting_connections', 'loaded_model', 'active_request_count', 'url']) {
    assert.ok(key in s1, key);
  }
  assert.is(s1.listening, true);
});

test('POST /behavior: a port, a list, {"all": true}; errors name the problem', async () => {
  const [a, b] = h.fleet.ports;
  let r = await control(h.fleet, 'POST', '/behavior', { port: [a, b], behavior: { type: 'Hang' } });
  assert.is(r.status, 200);
  assert.equal(r.json.ports, [a, b].sort((x, y) => x - y));
  r = await control(h.fleet, 'POST', '/behavior', { port: { all: true }, behavior: { type: 'Normal' } });
  assert.is(r.status, 200);

  r = await control(h.fleet, 'POST', '/behavior', { port: { all: false }, behavior: { type: 'Hang' } });
  assert.is(r.status, 400);
  assert.is(r.json.field, 'port');

  r = await control(h.fleet, 'POST', '/behavior', { port: a, behavior: { type: 'Explode' } });
  assert.is(r.status, 400);
  assert.is(r.json.field, 'type');
  assert.equal(r.json.allowed, BEHAVIOR_TYPES);
  assert.match(r.json.error, /Stall/);

  r = await control(h.fleet, 'POST', '/behavior', { port: a, behavior: { type: 'Stall', after_tokenz: 3 } });
  assert.is(r.status, 400);
  assert.is(r.json.field, 'after_tokenz');
  assert.ok(r.json.allowed.includes('after_tokens'));

  r = await control(h.fleet, 'POST', '/behavior', { port: a, behavior: { type: 'Stall', after_tokens: 'three' } });
  assert.is(r.status, 400);
  assert.is(r.json.field, 'after_tokens');

  r = await control(h.fleet, 'POST', '/behavior', { port: a, behavior: { type: 'MalformedChunk', kind: 'xml' } });
  assert.is(r.status, 400);
  assert.equal(r.json.allowed, ['json', 'framing']);

  r = await control(h.fleet, 'POST', '/behavior', { port: 1, behavior: { type: 'Hang' } });
  assert.is(r.status, 404);
  r = await control(h.fleet, 'POST', '/behavior', '{"port": 1,');
  assert.is(r.status, 400);
  assert.match(r.json.error, /not valid JSON/);
  r = await control(h.fleet, 'POST', '/behavior', { behavior: { type: 'Hang' } });
  assert.is(r.status, 400);
  assert.is(r.json.field, 'port');
  r = await control(h.fleet, 'POST', '/behavior', { port: a });
  assert.is(r.json.field, 'behavior');
  r = await control(h.fleet, 'POST', '/behavior', { port: a, behavior: { type: 'Hang' }, extra: 1 });
  assert.is(r.json.field, 'extra');
  r = await control(h.fleet, 'POST', '/behavior', '[1]');
  assert.is(r.status, 400);
});

test('every anchor behavior payload parses', async () => {
  const port = h.fleet.ports[0];
  for (const behavior of [
    { type: 'FailMidStream', tokens_before_fail: 3, tokens_per_sec: 65 },
    { type: 'HttpError', status_code: 503, message: 'x' },
    { type: 'Custom', response_body: '..', status_code: 200, content_type: 'text/plain', delay_ms: 0 },
    { type: 'ModelNotFound', model_name: 'x' },
    { type: 'AbruptClose', bytes_before_close: 10 },
    { type: 'TimeoutAfterHeaders', timeout_ms: 60000 },
    { type: 'Slow', tokens_per_sec: 5, num_tokens: 10 },
    { type: 'Normal', tokens_per_sec: 65, prompt_eval_tokens_per_sec: 2900, num_tokens: 20, load_delay_ms: 0 },
    { type: 'Hang' },
    { type: 'ConnectionRefused' },
  ]) {
    const r = await control(h.fleet, 'POST', '/behavior', { port, behavior });
    assert.is(r.status, 200, JSON.stringify(behavior) + ' ' + r.text);
  }
  // Every type works with no parameters at all.
  for (const type of BEHAVIOR_TYPES) {
    const r = await control(h.fleet, 'POST', '/behavior', { port, behavior: { type } });
    assert.is(r.status, 200, type + ' ' + r.text);
  }
});

test('POST /behavior/sequence validates its steps', async () => {
  const port = h.fleet.ports[0];
  let r = await control(h.fleet, 'POST', '/behavior/sequence', { port, steps: [] });
  assert.is(r.status, 400);
  assert.is(r.json.field, 'steps');
  r = await control(h.fleet, 'POST', '/behavior/sequence', { port, steps: [{ type: 'Normal' }, { type: 'Nope' }] });
  assert.is(r.json.field, 'type');
  assert.match(r.json.error, /^steps\[1\]: behavior: unknown type "Nope"; valid types: Normal, /);
  r = await control(h.fleet, 'POST', '/behavior/sequence', { port, steps: [{ type: 'FailMidStream', times: 2 }, { type: 'Normal' }] });
  assert.is(r.status, 200);
  assert.is(r.json.behavior.type, 'FailMidStream');
});

test('POST /models: the Rust ModelInfo payload and plain names replace the installed list', async () => {
  const [a, b] = h.fleet.ports;
  const info = { name: 'custom-model:latest', size: 1234, digest: 'ab'.repeat(32), family: 'fam', parameter_size: '1B', quantization_level: 'Q8_0' };
  let r = await control(h.fleet, 'POST', '/models', { port: a, models: [info, 'qwen3:8b'] });
  assert.is(r.status, 200);
  const tags = await (await fetch(`http://127.0.0.1:${a}/api/tags`)).json();
  assert.equal(tags.models.map((m: { name: string }) => m.name), ['custom-model:latest', 'qwen3:8b']);
  const custom = tags.models[0];
  assert.is(custom.size, 1234);
  assert.is(custom.digest, 'ab'.repeat(32));
  assert.is(custom.details.family, 'fam');
  assert.is(custom.details.parameter_size, '1B');
  assert.is(custom.details.quantization_level, 'Q8_0');
  assert.is(await chat(a, 'test-model'), 404, 'no longer installed');
  assert.is(await chat(b, 'test-model'), 200, 'the other server is untouched');

  r = await control(h.fleet, 'POST', '/models', { port: a, models: 'llama3' });
  assert.is(r.json.field, 'models');
  r = await control(h.fleet, 'POST', '/models', { port: a, models: [{ name: 'x', sise: 1 }] });
  assert.is(r.status, 400);
  assert.is(r.json.field, 'sise');
  r = await control(h.fleet, 'POST', '/models', { port: a, models: ['bad name'] });
  assert.is(r.status, 400);
  r = await control(h.fleet, 'POST', '/models', { port: a, models: [{ name: 'x', size: 'big' }] });
  assert.is(r.json.field, 'size');
});

test('POST /loaded-model: loaded without load time; null unloads; unknown models are a 400', async () => {
  const a = h.fleet.ports[0];
  let r = await control(h.fleet, 'POST', '/loaded-model', { port: a, model: 'llama3.2' });
  assert.is(r.status, 200);
  let ps = await (await fetch(`http://127.0.0.1:${a}/api/ps`)).json();
  assert.equal(ps.models.map((m: { name: string }) => m.name), ['llama3.2:latest']);
  r = await control(h.fleet, 'POST', '/loaded-model', { port: a, model: null });
  assert.is(r.status, 200);
  ps = await (await fetch(`http://127.0.0.1:${a}/api/ps`)).json();
  assert.equal(ps.models, []);
  r = await control(h.fleet, 'POST', '/loaded-model', { port: a, model: 'nope:1b' });
  assert.is(r.status, 400);
  assert.is(r.json.field, 'model');
  assert.ok(r.json.allowed.includes('test-model:latest'));
  r = await control(h.fleet, 'POST', '/loaded-model', { port: a, model: 7 });
  assert.is(r.status, 400);
  r = await control(h.fleet, 'POST', '/loaded-model', { port: a });
  assert.is(r.json.field, 'model');
});

test('POST /reset restores every server; clear_counters zeroes request counts', async () => {
  const a = h.fleet.ports[0];
  await setBehavior(h.fleet, a, { type: 'HttpError' });
  await control(h.fleet, 'POST', `/servers/${a}/down`);
  await control(h.fleet, 'POST', '/models', { port: a, models: ['qwen3:8b'] });
  let r = await control(h.fleet, 'POST', '/reset');
  assert.is(r.status, 200);
  assert.is(await connectResult(a), 'connected');
  assert.is(await chat(a), 200);
  assert.is((await control(h.fleet, 'GET', `/request-count/${a}`)).json.request_count, 1);
  r = await control(h.fleet, 'POST', '/reset', { clear_counters: true });
  assert.equal((await control(h.fleet, 'GET', `/request-count/${a}`)).json, { port: a, request_count: 0 });
  r = await control(h.fleet, 'POST', '/reset', { clear_counters: 'yes' });
  assert.is(r.status, 400);
  assert.is(r.json.field, 'clear_counters');
});

test('GET /request-count/:port counts every request; bad and unknown ports', async () => {
  const a = h.fleet.ports[0];
  await fetch(`http://127.0.0.1:${a}/`).then((r) => r.arrayBuffer());
  await fetch(`http://127.0.0.1:${a}/nope`).then((r) => r.arrayBuffer());
  assert.equal((await control(h.fleet, 'GET', `/request-count/${a}`)).json, { port: a, request_count: 2 });
  assert.is((await control(h.fleet, 'GET', '/request-count/abc')).status, 400);
  assert.is((await control(h.fleet, 'GET', '/request-count/1')).status, 404);
});

test('GET /kv-cache/:port and POST /kv-cache/clear', async () => {
  const a = h.fleet.ports[0];
  let r = await control(h.fleet, 'GET', `/kv-cache/${a}`);
  assert.equal(r.json, { port: a, token_count: 0, tokens: [], slots: [] });
  await chat(a);
  r = await control(h.fleet, 'GET', `/kv-cache/${a}`);
  assert.ok(r.json.token_count > 8);
  assert.is(r.json.tokens.length, r.json.token_count);
  assert.is(r.json.slots.length, 1);
  r = await control(h.fleet, 'POST', '/kv-cache/clear', { port: { all: true } });
  assert.is(r.status, 200);
  assert.is((await control(h.fleet, 'GET', `/kv-cache/${a}`)).json.token_count, 0);
  assert.is((await control(h.fleet, 'POST', '/kv-cache/clear', {})).json.field, 'port');
  assert.is((await control(h.fleet, 'GET', '/kv-cache/x')).status, 400);
});

test('POST /cancel/:port destroys in-flight responses and says how many', async () => {
  const a = h.fleet.ports[0];
  await setBehavior(h.fleet, a, { type: 'Stall', after_tokens: 1 });
  const c = h.open(a).send(chatRequest());
  await c.until((s) => streamedLines(s.text).lines.length === 1, 5000, 'one line');
  assert.is((await control(h.fleet, 'GET', '/status')).json.servers.find((s: { port: number }) => s.port === a).active_request_count, 1);
  const r = await control(h.fleet, 'POST', `/cancel/${a}`);
  assert.equal(r.json, { cancelled: 1 });
  const seen = await c.untilClosed();
  assert.ok(seen.closed);
  const rec = await h.fleet.waitForRecord((x) => x.path === '/api/chat');
  assert.is(rec.fault, 'stall', 'the stall was the fault; cancelling ended it');
  assert.equal((await control(h.fleet, 'POST', `/cancel/${a}`)).json, { cancelled: 0 });
  assert.is((await control(h.fleet, 'POST', '/cancel/1')).status, 404);
});

test('POST /servers adds a server (port 0 = free), DELETE /servers/:port removes it', async () => {
  let r = await control(h.fleet, 'POST', '/servers', { port: 0, name: 'extra', tokens_per_sec: 100 });
  assert.is(r.status, 201);
  const port = r.json.port;
  assert.ok(port > 0);
  assert.is(r.json.url, `http://127.0.0.1:${port}`);
  assert.is(r.json.name, 'extra');
  assert.is(await chat(port), 200);
  assert.ok(h.fleet.ports.includes(port));

  r = await control(h.fleet, 'POST', '/servers', { port, name: 'again' });
  assert.is(r.status, 409);
  r = await control(h.fleet, 'POST', '/servers', { tokens_per_sec: 'fast' });
  assert.is(r.status, 400);
  assert.is(r.json.field, 'tokens_per_sec');
  r = await control(h.fleet, 'POST', '/servers', { prot: 1 });
  assert.is(r.json.field, 'prot');

  r = await control(h.fleet, 'DELETE', `/servers/${port}`);
  assert.is(r.status, 200);
  assert.is(await connectResult(port), 'ECONNREFUSED');
  assert.is((await control(h.fleet, 'DELETE', `/servers/${port}`)).status, 404);
});

test('POST /servers/:port/down is a 404 for an unknown port; unknown paths are 404 JSON', async () => {
  assert.is((await control(h.fleet, 'POST', '/servers/1/down')).status, 404);
  const r = await control(h.fleet, 'GET', '/nope');
  assert.is(r.status, 404);
  assert.match(r.json.error, /no control endpoint/);
});

test.run();
