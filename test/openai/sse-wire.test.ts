// The exact SSE bytes of /v1/chat/completions and /v1/completions as a raw client sees them, and
// how behavior faults show in this format: an in-band error is one more empty delta and then a
// clean end with no finish chunk and no [DONE]; FailMidStream closes after N chunks, mid-body.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startFleet, type Fleet } from '../../simulator/index.js';
import { rawPost, rawRequest, sseData, FAST, fleetPerSuite } from './raw-client.js';

let fleet: Fleet;
let url: string;
let port: number;

fleetPerSuite(test, (f) => {
  fleet = f;
  url = fleet.urls[0];
  port = fleet.ports[0];
});

const chat = (extra: Record<string, unknown> = {}) => ({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], stream: true, ...extra });

test('chat stream framing: data: {json}\\n\\n events, one id and created, finish chunk, [DONE] last', async () => {
  const r = await rawPost(url + '/v1/chat/completions', chat());
  assert.is(r.status, 200);
  assert.is(r.headers['content-type'], 'text/event-stream');
  assert.is(r.headers['cache-control'], undefined);
  assert.ok(r.complete);
  assert.ok(/^(data: [^\n]+\n\n)+$/.test(r.text), 'every event is one data line and a blank line');
  assert.not.match(r.text, /^event:/m);
  const data = sseData(r.text);
  assert.is(data[data.length - 1], '[DONE]');
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
  assert.is(chunks.length, FAST.num_tokens + 1);
  assert.is(new Set(chunks.map((c) => c.id)).size, 1);
  assert.is(new Set(chunks.map((c) => c.created)).size, 1);
  assert.equal(Object.keys(chunks[0]), ['id', 'object', 'created', 'model', 'system_fingerprint', 'choices']);
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  assert.equal(chunks[chunks.length - 1].choices, [{ index: 0, delta: {}, finish_reason: 'stop' }]);
  const journal = await fleet.waitForRecord((rec) => rec.path === '/v1/chat/completions' && rec.outcome === 'completed');
  assert.is(journal.stream, true);
});

test('the completion id is deterministic for the fleet seed and request sequence', async () => {
  const idsOf = async (f: Fleet) => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(JSON.parse((await rawPost(f.urls[0] + '/v1/chat/completions', chat({ stream: false }))).text).id);
    return ids;
  };
  const again = await startFleet({ servers: 1, controlPort: null, defaults: FAST, seed: 7 });
  try {
    const samePort = again.ports[0];
    const ids = await idsOf(again);
    assert.ok(new Set(ids).size > 1, 'each request gets its own id');
    await again.stop();
    const other = await startFleet({ servers: [{ port: samePort }], controlPort: null, defaults: FAST, seed: 7 });
    try {
      assert.equal(await idsOf(other), ids);
    } finally {
      await other.stop();
    }
  } finally {
    await again.stop();
  }
});

test('non-stream: application/json, newline-terminated; middleware errors have charset and no newline', async () => {
  const ok = await rawPost(url + '/v1/chat/completions', chat({ stream: false }));
  assert.is(ok.headers['content-type'], 'application/json');
  assert.ok(ok.text.endsWith('}\n'));
  const empty = await rawPost(url + '/v1/chat/completions', '');
  assert.is(empty.status, 400);
  assert.is(empty.headers['content-type'], 'application/json; charset=utf-8');
  assert.is(empty.text, '{"error":{"message":"EOF","type":"invalid_request_error","param":null,"code":null}}');
  const missing = await rawPost(url + '/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }] });
  assert.is(missing.status, 400);
  assert.is(JSON.parse(missing.text).error.message, 'model is required');
  const badContent = await rawPost(url + '/v1/chat/completions', { model: 'llama3.2', messages: [{ role: 'user' }] });
  assert.is(JSON.parse(badContent.text).error.message, 'invalid message content type: <nil>');
  const url2 = await rawPost(url + '/v1/chat/completions', {
    model: 'llama3.2', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }],
  });
  assert.is(JSON.parse(url2.text).error.message, 'image URLs are not currently supported, please use base64 encoded data instead');
  const effort = await rawPost(url + '/v1/chat/completions', chat({ reasoning_effort: 'huge' }));
  assert.is(JSON.parse(effort.text).error.message, 'invalid reasoning value: "huge" (must be "minimal", "low", "medium", "high", "xhigh", "ultra", "max", or "none")');
});

test('content parts: text and a data-URI image reach a vision model', async () => {
  const png = 'data:image/png;base64,iVBORw0KGgo=';
  const parts = [{ type: 'text', text: 'what is this' }, { type: 'image_url', image_url: { url: png } }];
  const noVision = await rawPost(url + '/v1/chat/completions', { model: 'llama3.2', messages: [{ role: 'user', content: parts }] });
  assert.is(noVision.status, 400);
  assert.is(JSON.parse(noVision.text).error.message, 'registry.ollama.ai/library/llama3.2:latest does not support vision');
  const vision = await startFleet({ servers: 1, controlPort: null, defaults: { ...FAST, models: ['llava:7b'] } });
  try {
    const r = await rawPost(vision.urls[0] + '/v1/chat/completions', { model: 'llava:7b', messages: [{ role: 'user', content: parts }] });
    assert.is(r.status, 200, r.text);
    assert.is(JSON.parse(r.text).choices[0].finish_reason, 'stop');
  } finally {
    await vision.stop();
  }
});

test('InBandError after 2 tokens: 2 deltas, one empty delta, clean end, no finish chunk, no [DONE]', async () => {
  fleet.setBehavior(port, { type: 'InBandError', after_tokens: 2 });
  const r = await rawPost(url + '/v1/chat/completions', chat());
  assert.is(r.status, 200);
  assert.ok(r.complete, 'the body ends cleanly');
  const data = sseData(r.text);
  assert.is(data.length, 3);
  assert.not.ok(data.includes('[DONE]'));
  const chunks = data.map((d) => JSON.parse(d));
  assert.equal(chunks[2].choices, [{ index: 0, delta: { content: '' }, finish_reason: null }]);
  assert.ok(chunks.every((c) => c.choices[0].finish_reason === null));
  const rec = await fleet.waitForRecord((x) => x.path === '/v1/chat/completions' && x.fault === 'inband_error');
  assert.is(rec.tokensWritten, 2);
});

test('InBandError before any token: one delta with role and empty content, nothing else', async () => {
  fleet.setBehavior(port, { type: 'InBandError', after_tokens: 0 });
  const r = await rawPost(url + '/v1/chat/completions', chat());
  const data = sseData(r.text);
  assert.equal(data.map((d) => JSON.parse(d).choices[0].delta), [{ role: 'assistant', content: '' }]);
});

test('InBandError on a non-streamed request: 500 in the OpenAI envelope', async () => {
  fleet.setBehavior(port, { type: 'InBandError', after_tokens: 2, message: 'boom' });
  const r = await rawPost(url + '/v1/chat/completions', chat({ stream: false }));
  assert.is(r.status, 500);
  assert.equal(JSON.parse(r.text), { error: { message: 'boom', type: 'api_error', param: null, code: null } });
});

test('FailMidStream after 2 tokens: 2 complete events, then the connection closes mid-body', async () => {
  fleet.setBehavior(port, { type: 'FailMidStream', tokens_before_fail: 2 });
  const r = await rawPost(url + '/v1/chat/completions', chat());
  assert.is(r.status, 200);
  assert.not.ok(r.complete, 'no terminating chunk');
  const data = sseData(r.text);
  assert.is(data.length, 2);
  data.forEach((d) => JSON.parse(d));
  assert.ok(r.text.endsWith('\n\n'));
  const rec = await fleet.waitForRecord((x) => x.path === '/v1/chat/completions' && x.fault === 'fin');
  assert.is(rec.tokensWritten, 2);
});

test('MalformedChunk: one data line that is not valid JSON, then the stream goes on', async () => {
  fleet.setBehavior(port, { type: 'MalformedChunk', after_tokens: 1 });
  const r = await rawPost(url + '/v1/chat/completions', chat());
  const data = sseData(r.text);
  const broken = data.filter((d) => {
    try {
      JSON.parse(d);
      return false;
    } catch {
      return d !== '[DONE]';
    }
  });
  assert.is(broken.length, 1);
  assert.ok(broken[0].startsWith('{'));
});

test('legacy completions stream: choices before model, [DONE]; faults look the same', async () => {
  const r = await rawPost(url + '/v1/completions', { model: 'llama3.2', prompt: 'hi', stream: true });
  const data = sseData(r.text);
  assert.is(data[data.length - 1], '[DONE]');
  const first = JSON.parse(data[0]);
  assert.equal(Object.keys(first), ['id', 'object', 'created', 'choices', 'model', 'system_fingerprint']);
  assert.equal(JSON.parse(data[data.length - 2]).choices, [{ text: '', index: 0, finish_reason: 'stop' }]);
  const bad = await rawPost(url + '/v1/completions', { model: 'llama3.2', prompt: 'hi', stop: ['a', 1] });
  assert.is(JSON.parse(bad.text).error.message, "invalid type for 'stop' field: float64");

  fleet.setBehavior(port, { type: 'InBandError', after_tokens: 2 });
  const cut = await rawPost(url + '/v1/completions', { model: 'llama3.2', prompt: 'hi', stream: true });
  const cutData = sseData(cut.text);
  assert.is(cutData.length, 3);
  assert.not.ok(cutData.includes('[DONE]'));
});

test('/v1/models with no models installed sends data:null', async () => {
  const bare = await startFleet({ servers: 1, controlPort: null, defaults: { ...FAST, models: [] } });
  try {
    const r = await rawRequest('GET', bare.urls[0] + '/v1/models');
    assert.is(r.text, '{"object":"list","data":null}\n');
  } finally {
    await bare.stop();
  }
});

test.run();
