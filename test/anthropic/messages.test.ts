// POST /v1/messages as a raw client sees it: the message object, the SSE event order (thinking,
// text and tool_use blocks), the validation messages in the Anthropic envelope, and how behavior
// faults show: an in-band error ends the stream with no more events and no message_stop.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Fleet } from '../../simulator/index.js';
import { rawPost, sseData, sseEvents, FAST, fleetPerSuite } from '../openai/raw-client.js';

let fleet: Fleet;
let url: string;
let port: number;

fleetPerSuite(test, (f) => {
  fleet = f;
  url = fleet.urls[0];
  port = fleet.ports[0];
});

const msg = (extra: Record<string, unknown> = {}) => ({ model: 'llama3.2', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], ...extra });
const post = (body: unknown) => rawPost(url + '/v1/messages', body);

const TOOL = { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

test('non-stream: message object with a text block, end_turn, usage; newline-terminated JSON', async () => {
  const r = await post(msg());
  assert.is(r.status, 200);
  assert.is(r.headers['content-type'], 'application/json');
  assert.ok(r.text.endsWith('}\n'));
  const body = JSON.parse(r.text);
  assert.match(body.id, /^msg_[0-9a-f]{24}$/);
  assert.is(body.type, 'message');
  assert.is(body.role, 'assistant');
  assert.is(body.model, 'llama3.2');
  assert.is(body.content.length, 1);
  assert.is(body.content[0].type, 'text');
  assert.ok(body.content[0].text.length > 0);
  assert.is(body.stop_reason, 'end_turn');
  assert.is(body.usage.output_tokens, FAST.num_tokens);
  assert.not.ok('stop_sequence' in body);
});

test('max_tokens below the natural length: stop_reason max_tokens', async () => {
  const body = JSON.parse((await post(msg({ max_tokens: 2 }))).text);
  assert.is(body.stop_reason, 'max_tokens');
  assert.is(body.usage.output_tokens, 2);
});

test('stream: event order, headers, text deltas join to the non-streamed text', async () => {
  const r = await post(msg({ stream: true }));
  assert.is(r.headers['content-type'], 'text/event-stream');
  assert.is(r.headers['cache-control'], 'no-cache');
  assert.is(r.headers['connection'], 'keep-alive');
  assert.ok(r.complete);
  const events = sseEvents(r.text);
  assert.equal(events, [
    'message_start', 'content_block_start', ...Array(FAST.num_tokens).fill('content_block_delta'), 'content_block_stop', 'message_delta', 'message_stop',
  ]);
  const data = sseData(r.text).map((d) => JSON.parse(d));
  data.forEach((d, i) => assert.is(d.type, events[i]));
  assert.equal(data[1].content_block, { type: 'text', text: '' });
  const text = data.filter((d) => d.type === 'content_block_delta').map((d) => d.delta.text).join('');
  assert.is(text, JSON.parse((await post(msg())).text).content[0].text);
  assert.equal(data[data.length - 2].delta, { stop_reason: 'end_turn' });
  assert.is(data[0].message.usage.output_tokens, 0);
});

test('thinking block first, then tool_use with one input_json_delta; stop_reason tool_use', async () => {
  const r = await post(msg({ model: 'qwen3:8b', stream: true, tools: [TOOL], thinking: { type: 'enabled', budget_tokens: 1000 } }));
  const data = sseData(r.text).map((d) => JSON.parse(d));
  const starts = data.filter((d) => d.type === 'content_block_start');
  assert.equal(starts.map((d) => [d.index, d.content_block.type]), [[0, 'thinking'], [1, 'tool_use']]);
  assert.is(starts[1].content_block.name, 'get_weather');
  assert.equal(starts[1].content_block.input, {});
  const json = data.filter((d) => d.delta?.type === 'input_json_delta');
  assert.is(json.length, 1);
  assert.type(JSON.parse(json[0].delta.partial_json).city, 'string');
  assert.ok(data.some((d) => d.delta?.type === 'thinking_delta'));
  assert.is(data.filter((d) => d.type === 'content_block_stop').length, 2);
  assert.equal(data[data.length - 2].delta, { stop_reason: 'tool_use' });

  const whole = JSON.parse((await post(msg({ model: 'qwen3:8b', tools: [TOOL] }))).text);
  assert.equal(whole.content.map((b: { type: string }) => b.type), ['thinking', 'tool_use']);
  assert.equal(whole.content[1].input, JSON.parse(json[0].delta.partial_json));
});

test('thinking on a model that cannot think is dropped quietly; a tool result ends the tool loop', async () => {
  const r = await post(msg({ thinking: { type: 'enabled', budget_tokens: 100 } }));
  assert.is(r.status, 200);
  const followUp = await post(msg({
    tools: [TOOL],
    messages: [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Oslo' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: '11 degrees' }] },
    ],
  }));
  const body = JSON.parse(followUp.text);
  assert.is(body.stop_reason, 'end_turn');
  assert.is(body.content[0].type, 'text');
});

test('validation: Anthropic envelope, 400, the middleware messages', async () => {
  const cases: Array<[unknown, string]> = [
    ['', 'EOF'],
    [{ max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }, 'model is required'],
    [{ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }] }, 'max_tokens is required and must be positive'],
    [{ model: 'llama3.2', max_tokens: 10 }, 'messages is required'],
    [msg({ messages: [{ role: 'assistant', content: [{ type: 'tool_use', name: 'x', input: {} }] }] }), "tool_use block missing required 'id' field"],
    [msg({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://x' } }] }] }), 'invalid image source'],
  ];
  for (const [body, message] of cases) {
    const r = await post(body);
    assert.is(r.status, 400, message);
    const parsed = JSON.parse(r.text);
    assert.is(parsed.type, 'error');
    assert.equal(parsed.error, { type: 'invalid_request_error', message });
    assert.match(parsed.request_id, /^req_[0-9a-f]{24}$/);
  }
  const missing = await post(msg({ model: 'nope' }));
  assert.is(missing.status, 404);
  assert.equal(JSON.parse(missing.text).error, { type: 'not_found_error', message: "model 'nope' not found" });
});

test('a 503 behavior comes out as overloaded_error', async () => {
  fleet.setBehavior(port, { type: 'HttpError', status_code: 503, message: 'busy' });
  const r = await post(msg());
  assert.is(r.status, 503);
  assert.equal(JSON.parse(r.text).error, { type: 'overloaded_error', message: 'busy' });
});

test('InBandError after 2 tokens: start, block, 2 deltas, then nothing (no message_stop), clean end', async () => {
  fleet.setBehavior(port, { type: 'InBandError', after_tokens: 2 });
  const r = await post(msg({ stream: true }));
  assert.is(r.status, 200);
  assert.ok(r.complete);
  assert.equal(sseEvents(r.text), ['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta']);
  const rec = await fleet.waitForRecord((x) => x.path === '/v1/messages' && x.fault === 'inband_error');
  assert.is(rec.tokensWritten, 2);
});

test('InBandError before any token: only message_start', async () => {
  fleet.setBehavior(port, { type: 'InBandError', after_tokens: 0 });
  const r = await post(msg({ stream: true }));
  assert.equal(sseEvents(r.text), ['message_start']);
});

test('FailMidStream after 2 tokens: the same events as far as they go, then the connection closes mid-body', async () => {
  fleet.setBehavior(port, { type: 'FailMidStream', tokens_before_fail: 2 });
  const r = await post(msg({ stream: true }));
  assert.not.ok(r.complete);
  assert.equal(sseEvents(r.text), ['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta']);
  await fleet.waitForRecord((x) => x.path === '/v1/messages' && x.fault === 'fin');
});

test.run();
