// The OpenAI-compatible surface driven by the real `openai` npm package: models, chat completions
// (plain, streamed, tools, JSON mode, max_tokens, include_usage), legacy completions, embeddings
// (the SDK's default base64 and float, equal to /api/embed's vectors) and the error classes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import OpenAI from 'openai';
import type { Fleet } from '../../simulator/index.js';
import { FAST, fleetPerSuite } from './raw-client.js';

let fleet: Fleet;
let client: OpenAI;
let url: string;

fleetPerSuite(test, (f) => {
  fleet = f;
  url = fleet.urls[0];
  client = new OpenAI({ baseURL: url + '/v1', apiKey: 'ollama', maxRetries: 0 });
});

const user = (content: string) => [{ role: 'user' as const, content }];

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

test('models.list gives every installed model; retrieve echoes the id; unknown is NotFoundError', async () => {
  const ids: string[] = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.ok(ids.includes('llama3.2:latest'), ids.join(','));
  assert.ok(ids.includes('all-minilm:latest'));
  const m = await client.models.retrieve('llama3.2');
  assert.is(m.id, 'llama3.2');
  assert.is(m.owned_by, 'library');
  assert.is(m.object, 'model');
  try {
    await client.models.retrieve('nope');
    assert.unreachable('retrieve of an unknown model resolved');
  } catch (e) {
    assert.instance(e, OpenAI.NotFoundError);
    assert.is((e as InstanceType<typeof OpenAI.NotFoundError>).message, "404 model 'nope:latest' not found");
  }
});

test('chat.completions.create without stream: one message, usage, stop', async () => {
  const r = await client.chat.completions.create({ model: 'llama3.2', messages: user('hello') });
  assert.match(r.id, /^chatcmpl-\d{1,3}$/);
  assert.is(r.object, 'chat.completion');
  assert.is(r.model, 'llama3.2');
  assert.is(r.choices[0].finish_reason, 'stop');
  assert.is(r.choices[0].message.role, 'assistant');
  assert.ok((r.choices[0].message.content ?? '').length > 0);
  assert.is(r.usage?.completion_tokens, FAST.num_tokens);
  assert.is(r.usage!.total_tokens, r.usage!.prompt_tokens + r.usage!.completion_tokens);
});

test('the same prompt gives the same words as native /api/chat', async () => {
  const r = await client.chat.completions.create({ model: 'llama3.2', messages: user('same words please') });
  const native = await fetch(url + '/api/chat', { method: 'POST', body: JSON.stringify({ model: 'llama3.2', messages: user('same words please'), stream: false }) });
  assert.is(r.choices[0].message.content, (await native.json()).message.content);
});

test('streaming: text deltas join to the reply; one id; finish chunk; usage only with include_usage', async () => {
  const chunks = [];
  for await (const c of await client.chat.completions.create({ model: 'llama3.2', messages: user('stream me'), stream: true })) chunks.push(c);
  assert.is(new Set(chunks.map((c) => c.id)).size, 1);
  assert.is(chunks[0].choices[0].delta.role, 'assistant');
  assert.ok(chunks.slice(1).every((c) => c.choices[0]?.delta.role === undefined), 'role only in the first delta');
  const last = chunks[chunks.length - 1];
  assert.equal(last.choices[0].delta, {});
  assert.is(last.choices[0].finish_reason, 'stop');
  assert.ok(chunks.every((c) => c.usage === undefined));
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
  const whole = await client.chat.completions.create({ model: 'llama3.2', messages: user('stream me') });
  assert.is(text, whole.choices[0].message.content);

  const withUsage = [];
  const s = await client.chat.completions.create({ model: 'llama3.2', messages: user('stream me'), stream: true, stream_options: { include_usage: true } });
  for await (const c of s) withUsage.push(c);
  const usageChunk = withUsage[withUsage.length - 1];
  assert.equal(usageChunk.choices, []);
  assert.is(usageChunk.usage?.completion_tokens, FAST.num_tokens);
});

test('tools: arguments are a JSON string, finish_reason tool_calls (stream and not)', async () => {
  const r = await client.chat.completions.create({ model: 'llama3.2', messages: user('weather?'), tools: [WEATHER_TOOL] });
  const call = r.choices[0].message.tool_calls?.[0];
  assert.is(r.choices[0].finish_reason, 'tool_calls');
  assert.is(r.choices[0].message.content, '');
  assert.ok(call && call.type === 'function');
  assert.is(call.function.name, 'get_weather');
  assert.type(JSON.parse(call.function.arguments).city, 'string');
  assert.match(call.id, /^call_[a-z0-9]{8}$/);

  const chunks = [];
  for await (const c of await client.chat.completions.create({ model: 'llama3.2', messages: user('weather?'), tools: [WEATHER_TOOL], stream: true })) chunks.push(c);
  const streamed = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
  assert.is(streamed.length, 1);
  assert.is(streamed[0].function?.arguments, call.function.arguments);
  assert.is(chunks[chunks.length - 1].choices[0].finish_reason, 'tool_calls');
});

test('response_format json_object and json_schema give parseable JSON content', async () => {
  const r = await client.chat.completions.create({ model: 'llama3.2', messages: user('json'), response_format: { type: 'json_object' } });
  JSON.parse(r.choices[0].message.content!);
  const schema = { type: 'object', properties: { age: { type: 'integer' }, name: { type: 'string' } }, required: ['age', 'name'] };
  const s = await client.chat.completions.create({
    model: 'llama3.2', messages: user('json'), response_format: { type: 'json_schema', json_schema: { name: 'person', schema } },
  });
  const value = JSON.parse(s.choices[0].message.content!);
  assert.type(value.age, 'number');
  assert.type(value.name, 'string');
});

test('max_tokens below the natural length: finish_reason length and that many tokens', async () => {
  const r = await client.chat.completions.create({ model: 'llama3.2', messages: user('long'), max_tokens: 2 });
  assert.is(r.choices[0].finish_reason, 'length');
  assert.is(r.usage?.completion_tokens, 2);
  const chunks = [];
  for await (const c of await client.chat.completions.create({ model: 'llama3.2', messages: user('long'), max_tokens: 2, stream: true })) chunks.push(c);
  assert.is(chunks[chunks.length - 1].choices[0].finish_reason, 'length');
  assert.is(chunks.filter((c) => c.choices[0]?.delta.content).length, 2);
});

test('a thinking model puts its trace in message.reasoning; reasoning_effort none turns it off', async () => {
  const r = await client.chat.completions.create({ model: 'qwen3:8b', messages: user('think') });
  const message = r.choices[0].message as unknown as { reasoning?: string };
  assert.ok((message.reasoning ?? '').length > 0);
  const off = await client.chat.completions.create({ model: 'qwen3:8b', messages: user('think'), reasoning_effort: 'none' as never });
  assert.is((off.choices[0].message as unknown as { reasoning?: string }).reasoning, undefined);
});

test('completions.create: text, finish_reason, streamed with usage', async () => {
  const r = await client.completions.create({ model: 'llama3.2', prompt: 'Once upon a time' });
  assert.match(r.id, /^cmpl-\d{1,3}$/);
  assert.is(r.object, 'text_completion');
  assert.is(r.choices[0].finish_reason, 'stop');
  assert.ok(r.choices[0].text.length > 0);
  const chunks = [];
  for await (const c of await client.completions.create({ model: 'llama3.2', prompt: 'Once upon a time', stream: true, stream_options: { include_usage: true } })) chunks.push(c);
  assert.is(chunks.map((c) => c.choices[0]?.text ?? '').join(''), r.choices[0].text);
  const last = chunks[chunks.length - 1];
  assert.equal(last.choices, []);
  assert.is(last.usage?.completion_tokens, FAST.num_tokens);
  // With include_usage every other chunk carries a zero usage (Ollama's quirk).
  assert.equal(chunks[0].usage, { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
});

async function nativeEmbeddings(model: string, input: string[]): Promise<number[][]> {
  const r = await fetch(url + '/api/embed', { method: 'POST', body: JSON.stringify({ model, input }) });
  return (await r.json()).embeddings;
}

test('embeddings.create (SDK default base64, and float) equal /api/embed for the same text', async () => {
  const input = ['the quick brown fox', 'hello'];
  const native = await nativeEmbeddings('all-minilm', input);
  const b64 = await client.embeddings.create({ model: 'all-minilm', input });
  const flt = await client.embeddings.create({ model: 'all-minilm', input, encoding_format: 'float' });
  assert.is(b64.data.length, 2);
  assert.is(b64.model, 'all-minilm');
  assert.ok(b64.usage.prompt_tokens > 0);
  for (let i = 0; i < input.length; i++) {
    assert.is(b64.data[i].index, i);
    assert.is(b64.data[i].embedding.length, 384);
    // Native JSON has the shortest decimal of each float32; base64 carries the float32 itself.
    assert.equal(b64.data[i].embedding, native[i].map(Math.fround));
    assert.equal(flt.data[i].embedding.map(Math.fround), native[i].map(Math.fround));
  }
  const dims = await client.embeddings.create({ model: 'all-minilm', input: 'hello', dimensions: 8 });
  assert.is(dims.data[0].embedding.length, 8);
  const norm = Math.hypot(...dims.data[0].embedding);
  assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
});

test('errors: unknown model NotFoundError; empty messages and bad encoding_format BadRequestError', async () => {
  try {
    await client.chat.completions.create({ model: 'gpt-4o', messages: user('x') });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, OpenAI.NotFoundError);
    assert.is((e as Error).message, "404 model 'gpt-4o' not found");
  }
  try {
    await client.chat.completions.create({ model: 'llama3.2', messages: [] });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, OpenAI.BadRequestError);
    assert.is((e as Error).message, "400 [] is too short - 'messages'");
  }
  try {
    await client.embeddings.create({ model: 'all-minilm', input: 'x', encoding_format: 'int8' as never });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, OpenAI.BadRequestError);
    assert.is((e as Error).message, "400 Invalid value for 'encoding_format' = int8. Supported values: ['float', 'base64'].");
  }
  try {
    await client.embeddings.create({ model: 'nope', input: 'x' });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, OpenAI.NotFoundError);
    assert.is((e as Error).message, '404 model "nope" not found, try pulling it first');
  }
});

test('a behavior error comes out in the OpenAI envelope as the SDK error class', async () => {
  fleet.setBehavior(fleet.ports[0], { type: 'HttpError', status_code: 400, message: 'bad things' });
  try {
    await client.chat.completions.create({ model: 'llama3.2', messages: user('x') });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, OpenAI.BadRequestError);
    assert.is((e as Error).message, '400 bad things');
  } finally {
    fleet.setBehavior(fleet.ports[0], { type: 'Normal' });
  }
});

test.run();
