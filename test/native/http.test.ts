// The native surface over raw HTTP: status codes, Content-Type and other headers, exact error
// bodies, gin's 404/405/redirect behavior, HEAD routes, name normalisation and the wire shapes of
// the endpoints a client library hides.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { request as httpRequest } from 'node:http';
import { startFleet, type Fleet } from '../../simulator/index.js';

const test = suite('native surface over raw HTTP');

let fleet: Fleet;
let url: string;

test.before(async () => {
  fleet = await startFleet({ servers: 1, controlPort: null, defaults: { tokens_per_sec: 2000, load_ms: 5 } });
  url = fleet.urls[0];
});

test.after(async () => {
  await fleet?.stop();
});

interface Res {
  status: number;
  headers: Headers;
  text: string;
}

async function call(method: string, path: string, body?: string | object): Promise<Res> {
  const res = await fetch(url + path, {
    method,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const post = (path: string, body?: string | object) => call('POST', path, body);

function assertNativeError(res: Res, status: number, message: string): void {
  assert.is(res.status, status, res.text);
  assert.is(res.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.is(res.text, JSON.stringify({ error: message }));
}

test('GET / and HEAD /', async () => {
  const get = await call('GET', '/');
  assert.is(get.status, 200);
  assert.is(get.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.is(get.text, 'Ollama is running');
  const head = await call('HEAD', '/');
  assert.is(head.status, 200);
  assert.is(head.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.is(head.text, '');
});

test('HEAD exists only on /, /api/version and /api/tags', async () => {
  for (const path of ['/api/version', '/api/tags']) assert.is((await call('HEAD', path)).status, 200, path);
  const ps = await call('HEAD', '/api/ps');
  assert.is(ps.status, 405);
  assert.is(ps.headers.get('allow'), 'GET');
});

test('unknown path: 404 text/plain', async () => {
  // (GET /health is served: it is the job API's health check, as in dummyLLM.)
  for (const path of ['/api/nope', '/api/tokenize', '/metrics', '/healthz']) {
    const res = await call('GET', path);
    assert.is(res.status, 404, path);
    assert.is(res.headers.get('content-type'), 'text/plain');
    assert.is(res.text, '404 page not found');
  }
});

test('wrong method: 405 with Allow', async () => {
  const cases: Array<[string, string, string]> = [
    ['GET', '/api/chat', 'POST'], ['POST', '/api/tags', 'HEAD, GET'], ['GET', '/api/show', 'POST'], ['POST', '/api/delete', 'DELETE'],
    ['GET', '/api/pull', 'POST'], ['GET', '/api/embed', 'POST'], ['DELETE', '/api/copy', 'POST'],
  ];
  for (const [method, path, allow] of cases) {
    const res = await call(method, path);
    assert.is(res.status, 405, `${method} ${path}`);
    assert.is(res.headers.get('allow'), allow, `${method} ${path}`);
    assert.is(res.headers.get('content-type'), 'text/plain');
    assert.is(res.text, '405 method not allowed');
  }
});

test('trailing slash redirects: 301 for GET, 307 otherwise', async () => {
  const get = await call('GET', '/api/tags/');
  assert.is(get.status, 301);
  assert.is(get.headers.get('location'), '/api/tags');
  const postRes = await post('/api/show/', { model: 'llama3.2' });
  assert.is(postRes.status, 307);
  assert.is(postRes.headers.get('location'), '/api/show');
});

test('missing body: 400 on every native JSON endpoint', async () => {
  const routes: Array<[string, string]> = [
    ['POST', '/api/pull'], ['POST', '/api/push'], ['POST', '/api/show'], ['DELETE', '/api/delete'], ['POST', '/api/create'],
    ['POST', '/api/copy'], ['POST', '/api/generate'], ['POST', '/api/chat'], ['POST', '/api/embed'], ['POST', '/api/embeddings'],
  ];
  for (const [method, path] of routes) assertNativeError(await call(method, path, ''), 400, 'missing request body');
});

test('malformed JSON and wrong types: Go json messages', async () => {
  assertNativeError(await post('/api/show', '{"model":'), 400, 'unexpected EOF');
  assertNativeError(await post('/api/show', '{"model": x}'), 400, "invalid character 'x' looking for beginning of value");
  assertNativeError(await post('/api/embed', { model: 5 }), 400, 'json: cannot unmarshal number into Go struct field EmbedRequest.model of type string');
  assertNativeError(await post('/api/embed', '[1]'), 400, 'json: cannot unmarshal array into Go value of type api.EmbedRequest');
  assertNativeError(await post('/api/chat', { model: 'llama3.2', stream: 'yes' }), 400, 'json: cannot unmarshal string into Go struct field ChatRequest.stream of type bool');
});

test('model names normalise: llama3.2 == llama3.2:latest == LLAMA3.2, responses echo the name', async () => {
  for (const model of ['llama3.2', 'llama3.2:latest', 'LLAMA3.2']) {
    const res = await post('/api/generate', { model, prompt: 'hi', stream: false });
    assert.is(res.status, 200, `${model}: ${res.text}`);
    assert.is(JSON.parse(res.text).model, model);
  }
  const a = JSON.parse((await post('/api/show', { model: 'llama3.2' })).text);
  const b = JSON.parse((await post('/api/show', { name: 'llama3.2:latest' })).text);
  assert.equal(a, b);
});

test('not-found shapes per endpoint', async () => {
  assertNativeError(await post('/api/chat', { model: 'ghost', messages: [] }), 404, "model 'ghost' not found");
  assertNativeError(await post('/api/generate', { model: 'ghost', prompt: 'x' }), 404, "model 'ghost' not found");
  assertNativeError(await post('/api/embed', { model: 'ghost', input: 'x' }), 404, 'model "ghost" not found, try pulling it first');
  assertNativeError(await post('/api/embeddings', { model: 'ghost', prompt: 'x' }), 404, 'model "ghost" not found, try pulling it first');
  assertNativeError(await post('/api/show', { model: 'ghost' }), 404, "model 'ghost:latest' not found");
  assertNativeError(await call('DELETE', '/api/delete', { model: 'ghost' }), 404, "model 'ghost' not found");
  assertNativeError(await post('/api/copy', { source: 'ghost', destination: 'x' }), 404, 'model "ghost" not found');
});

test('missing model per endpoint', async () => {
  assertNativeError(await post('/api/chat', {}), 400, 'model is required');
  assertNativeError(await post('/api/generate', {}), 404, "model '' not found");
  assertNativeError(await post('/api/embed', { input: 'x' }), 404, "model '' not found");
  assertNativeError(await post('/api/embeddings', {}), 400, 'model is required');
  assertNativeError(await post('/api/show', {}), 400, 'model is required');
  assertNativeError(await post('/api/show', 'null'), 400, 'model is required');
  assertNativeError(await post('/api/push', {}), 400, 'model is required');
  assertNativeError(await call('DELETE', '/api/delete', {}), 400, 'model is required');
  assertNativeError(await call('DELETE', '/api/delete', { model: 'a b' }), 400, 'name "a b" is invalid');
  assertNativeError(await post('/api/pull', {}), 400, 'invalid model name');
  assertNativeError(await post('/api/create', { from: 'llama3.2' }), 400, 'invalid model name');
  assertNativeError(await post('/api/copy', { destination: 'x' }), 400, 'source "" is invalid');
  assertNativeError(await post('/api/copy', { source: 'llama3.2', destination: 'x y' }), 400, 'destination "x y" is invalid');
});

test('show: field order, model_info always an object, verbose arrays', async () => {
  const res = await post('/api/show', { model: 'llama3.2' });
  assert.is(res.headers.get('content-type'), 'application/json; charset=utf-8');
  const body = JSON.parse(res.text);
  assert.equal(Object.keys(body), ['modelfile', 'parameters', 'template', 'details', 'model_info', 'tensors', 'capabilities', 'modified_at']);
  assert.is(body.model_info['llama.context_length'], 131072);
  assert.is(body.model_info['llama.embedding_length'], 3072);
  assert.equal(body.model_info['tokenizer.ggml.tokens'], []);
  const keys = Object.keys(body.model_info);
  assert.equal(keys, [...keys].sort(), 'model_info keys sorted like a Go map');
  const verbose = JSON.parse((await post('/api/show', { model: 'llama3.2', verbose: true })).text);
  assert.ok(verbose.model_info['tokenizer.ggml.tokens'].length > 5);
  assert.match(body.parameters, /^stop {27}"<\|start_header_id\|>"/);
  const embed = JSON.parse((await post('/api/show', { model: 'all-minilm' })).text);
  assert.equal(embed.capabilities, ['embedding']);
  assert.is(embed.model_info['bert.context_length'], 512);
});

test('embed: exact shape, Content-Type, empty input, truncate, bad input type', async () => {
  const res = await post('/api/embed', { model: 'all-minilm', input: 'hello' });
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'application/json; charset=utf-8');
  const body = JSON.parse(res.text);
  assert.equal(Object.keys(body), ['model', 'embeddings', 'total_duration', 'load_duration', 'prompt_eval_count']);
  // float32 values in their shortest form (at most 9 significant digits).
  const firstNumber = /"embeddings":\[\[(-?[\d.e-]+),/.exec(res.text)![1];
  assert.ok(firstNumber.replace(/^-?0\.0*|e.*$|\./g, '').length <= 9, firstNumber);
  for (const input of ['', []]) {
    const empty = await post('/api/embed', { model: 'all-minilm', input });
    assert.is(empty.text, '{"model":"all-minilm","embeddings":[]}');
  }
  const long = 'word '.repeat(600);
  assertNativeError(await post('/api/embed', { model: 'all-minilm', input: long, truncate: false }), 400, 'the input length exceeds the context length');
  const truncated = JSON.parse((await post('/api/embed', { model: 'all-minilm', input: long })).text);
  assert.is(truncated.prompt_eval_count, 512);
  assertNativeError(await post('/api/embed', { model: 'all-minilm', input: 5 }), 400, 'invalid input type');
  assertNativeError(await post('/api/embed', { model: 'all-minilm', input: ['a', 1] }), 400, 'invalid input type');
});

test('embed: same text, same vector on another server; through the load delay and slots', async () => {
  const other = await startFleet({ servers: 1, controlPort: null, defaults: { load_ms: 150 } });
  try {
    const at = async (base: string) => JSON.parse(await (await fetch(`${base}/api/embed`, { method: 'POST', body: JSON.stringify({ model: 'all-minilm', input: 'same text' }) })).text());
    const mine = await at(url);
    const cold = await at(other.urls[0]);
    assert.equal(cold.embeddings, mine.embeddings);
    assert.ok(cold.load_duration >= 140e6, `cold load_duration ${cold.load_duration}`);
    const warm = await at(other.urls[0]);
    assert.ok(warm.load_duration < 50e6, `warm load_duration ${warm.load_duration}`);
    const ps = JSON.parse(await (await fetch(`${other.urls[0]}/api/ps`)).text());
    assert.equal(ps.models.map((m: { name: string }) => m.name), ['all-minilm:latest']);
  } finally {
    await other.stop();
  }
});

test('embed: a behavior cut applies (FailMidStream closes without a response)', async () => {
  const other = await startFleet({ servers: 1, controlPort: null, defaults: { load_ms: 0 } });
  try {
    other.setBehavior('all', { type: 'FailMidStream', tokens_before_fail: 0 });
    const since = other.cursor;
    const err = await fetch(`${other.urls[0]}/api/embed`, { method: 'POST', body: JSON.stringify({ model: 'all-minilm', input: 'x' }) }).then(
      () => null,
      (e: Error) => e,
    );
    assert.ok(err, 'the request fails on the wire');
    const record = await other.waitForRecord((r) => r.path === '/api/embed', 5000, since);
    assert.is(record.outcome, 'fault');
    assert.is(record.fault, 'fin');
  } finally {
    await other.stop();
  }
});

test('embeddings (legacy): float64 widening of float32, empty prompt', async () => {
  const res = await post('/api/embeddings', { model: 'all-minilm', prompt: 'hello' });
  const body = JSON.parse(res.text);
  assert.equal(Object.keys(body), ['embedding']);
  assert.is(body.embedding.length, 384);
  for (const x of body.embedding.slice(0, 20)) assert.is(Math.fround(x), x);
  assert.is((await post('/api/embeddings', { model: 'all-minilm', prompt: '' })).text, '{"embedding":[]}');
});

test('pull: NDJSON progress lines, paced; stream:false gives one success object', async () => {
  const started = Date.now();
  const res = await post('/api/pull', { model: 'phi3:mini' });
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'application/x-ndjson');
  const lines = res.text.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.ok(Date.now() - started >= 250, 'a simulated download takes time');
  assert.equal(lines[0], { status: 'pulling manifest' });
  const progress = lines.find((l) => l.completed !== undefined);
  assert.equal(Object.keys(progress), ['status', 'digest', 'total', 'completed']);
  assert.match(progress.status, /^pulling [0-9a-f]{12}$/);
  assert.match(progress.digest, /^sha256:[0-9a-f]{64}$/);
  assert.ok(progress.digest.startsWith(`sha256:${progress.status.slice('pulling '.length)}`), 'status names the first 12 hex of the digest');
  assert.equal(lines.slice(-3), [{ status: 'verifying sha256 digest' }, { status: 'writing manifest' }, { status: 'success' }]);
  const whole = await post('/api/pull', { name: 'phi3:mini', stream: false });
  assert.is(whole.status, 200);
  assert.is(whole.headers.get('content-type'), 'application/json');
  assert.is(whole.text, '{"status":"success"}');
});

test('pull of a -missing model: manifest line then the error line; 500 without streaming', async () => {
  const res = await post('/api/pull', { model: 'nothing-missing' });
  assert.is(res.status, 200);
  assert.is(res.text, '{"status":"pulling manifest"}\n{"error":"pull model manifest: file does not exist"}\n');
  const whole = await post('/api/pull', { model: 'nothing-missing', stream: false });
  assert.is(whole.status, 500);
  assert.is(whole.headers.get('content-type'), 'application/json');
  assert.is(whole.text, '{"error":"pull model manifest: file does not exist"}');
});

test('create: neither from nor files is a 400 from the stream path', async () => {
  const res = await post('/api/create', { model: 'x' });
  assert.is(res.status, 400);
  assert.is(res.headers.get('content-type'), 'application/json');
  assert.is(res.text, `{"error":"neither 'from' or 'files' was specified"}`);
  const ok = await post('/api/create', { model: 'x2', from: 'qwen3:8b', stream: false });
  assert.is(ok.text, '{"status":"success"}');
  const show = JSON.parse((await post('/api/show', { model: 'x2' })).text);
  assert.ok(show.capabilities.includes('thinking'), 'inherits the base capabilities');
});

test('delete and copy: 200 with an empty body', async () => {
  const copy = await post('/api/copy', { source: 'llama3.2', destination: 'ns/copy:v1' });
  assert.is(copy.status, 200);
  assert.is(copy.text, '');
  assert.is(copy.headers.get('content-length'), '0');
  const tags = JSON.parse((await call('GET', '/api/tags')).text);
  assert.is(tags.models[0].name, 'ns/copy:v1', 'newest first');
  const del = await call('DELETE', '/api/delete', { name: 'ns/copy:v1' });
  assert.is(del.status, 200);
  assert.is(del.text, '');
});

test('streamed chat: NDJSON headers only, chunked', async () => {
  const res = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const u = new URL(url + '/api/chat');
    const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST' }, (r) => {
      let body = '';
      r.on('data', (c) => (body += c));
      r.on('end', () => resolve({ status: r.statusCode!, headers: r.headers, body }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }));
  });
  assert.is(res.status, 200);
  assert.is(res.headers['content-type'], 'application/x-ndjson');
  assert.is(res.headers['transfer-encoding'], 'chunked');
  const lines = res.body.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.is(lines.at(-1).done, true);
  assert.ok(lines.slice(0, -1).every((l) => l.done === false));
});

test.run();
