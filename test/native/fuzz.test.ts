// Bad bodies on every route the simulator serves (ROUTES: native, OpenAI, Anthropic): malformed
// JSON, a JSON array/number/string/null instead of an object, an empty body, a 5 MB body, and a
// wrong type for each known field. The server must never crash (gin's empty 500), must answer
// every request with a parseable error in the route's envelope (or text/plain) and a fitting
// status, and must still answer GET / afterwards.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'node:http';
import { ROUTES, type RouteDef } from '../../simulator/api/routes.js';
import { startFleet } from '../../simulator/index.js';

const test = suite('fuzzing every route with bad bodies');

interface Res {
  status: number;
  contentType: string;
  body: string;
}

/** node:http, because fetch refuses a body on GET (and Node frames GET/DELETE bodies only with a Content-Length). */
function send(base: string, method: string, path: string, body: string): Promise<Res> {
  return new Promise((resolve, reject) => {
    const u = new URL(base + path);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer within 15 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

// A body that is valid for every route at once: each route reads its fields and ignores the rest.
const BASE = {
  model: 'test-model', messages: [{ role: 'user', content: 'hi' }], prompt: 'hi', input: 'hi', max_tokens: 5,
  source: 'test-model', destination: 'fuzz-copy', from: 'test-model',
};

const FIELDS = [
  'model', 'name', 'messages', 'prompt', 'input', 'stream', 'options', 'format', 'keep_alive', 'think', 'tools', 'raw', 'images',
  'system', 'template', 'suffix', 'context', 'truncate', 'dimensions', 'verbose', 'insecure', 'source', 'destination', 'from',
  'files', 'parameters', 'quantize', 'license', 'adapters', 'max_tokens', 'temperature', 'top_p', 'stop', 'seed',
  'response_format', 'encoding_format', 'stream_options', 'tool_choice', 'logprobs', 'top_logprobs', 'reasoning_effort',
  'instructions', 'max_output_tokens',
];

// 1.5 is a number for string fields and a non-integer for int fields; null means "absent" in Go.
const WRONG_VALUES: unknown[] = [1.5, 'str', true, [1], { a: 1 }];

// Nested shapes that a top-level type check does not catch.
const NESTED: Array<Record<string, unknown>> = [
  { messages: [1] }, { messages: [{ role: 1, content: 'x' }] }, { messages: [{ role: 'user', content: 1 }] },
  { messages: [{ role: 'user', content: 'x', images: 'notbase64' }] }, { messages: [{ role: 'user', content: [{ type: 'nope' }] }] },
  { options: { num_predict: 'x' } }, { options: { num_ctx: 'x' } }, { options: [] }, { tools: [1] }, { tools: [{ function: 1 }] },
  { input: ['a', 1] }, { input: [[1, 2]] }, { files: { 'a.gguf': 1 } }, { stop: [1] }, { keep_alive: '-1' }, { keep_alive: 'abc' },
];

const MALFORMED = ['{"model":', '{x}', 'not json', '{"model":"test-model",}', '{"a" 1}', '\u0000'];
const NOT_OBJECTS = ['[]', '[1,2]', '42', '"str"', 'true', 'null'];
const FIVE_MB = JSON.stringify({ ...BASE, padding: 'x'.repeat(5 * 1024 * 1024) });

// The reference's 500s (§3.2): a bad option type and an invalid format.
const ALLOWED_500 = [/^option "\w+" must be of type/, /^invalid format: /];

function errorMessage(route: RouteDef, res: Res): string | null {
  if (res.contentType.startsWith('text/plain')) return res.body;
  const body = JSON.parse(res.body);
  if (route.envelope === 'native' || typeof body.error === 'string') return body.error;
  return body.error?.message ?? null;
}

/** What every answer must satisfy, whatever was sent. */
function checkAnswer(route: RouteDef, what: string, res: Res): void {
  const where = `${route.method} ${route.path} ${what}: ${res.status} ${res.body.slice(0, 200)}`;
  assert.ok([200, 400, 404, 500].includes(res.status), `unexpected status; ${where}`);
  if (res.status >= 400) {
    let message: string | null = null;
    try {
      message = errorMessage(route, res);
    } catch {
      assert.unreachable(`error body is neither JSON nor text/plain; ${where}`);
    }
    assert.type(message, 'string', `no error message; ${where}`);
    assert.ok(message!.length > 0, `empty error message; ${where}`);
    if (res.status === 500) assert.ok(ALLOWED_500.some((re) => re.test(message!)), `a 500 the reference does not give; ${where}`);
  }
}

const samplePath = (path: string) => path.replace(/:[A-Za-z_]+/g, 'test-model');

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

for (const route of ROUTES) {
  test(`${route.method} ${route.path}`, async () => {
    // A fresh server per route, so a delete in one route's cases cannot hide another's.
    const fleet = await startFleet({
      servers: 1, controlPort: null,
      defaults: { num_parallel: 64, tokens_per_sec: 100_000, prompt_tokens_per_sec: 1_000_000, load_ms: 0, num_tokens: 5 },
    });
    try {
      const base = fleet.urls[0];
      const path = samplePath(route.path);
      const hasBody = route.method !== 'GET';
      const cases: Array<{ what: string; body: string; check?: (res: Res) => void }> = [];
      const nativeBody = route.envelope === 'native' && hasBody;
      cases.push({
        what: 'empty body', body: '',
        check: (res) => {
          if (nativeBody) assert.equal([res.status, JSON.parse(res.body).error], [400, 'missing request body'], `${route.path} empty body`);
        },
      });
      for (const m of MALFORMED) {
        cases.push({
          what: `malformed ${JSON.stringify(m)}`, body: m,
          check: (res) => {
            if (!nativeBody) return;
            assert.is(res.status, 400, `${route.path} ${m}`);
            assert.match(JSON.parse(res.body).error, /^(invalid character '.+' .+|unexpected EOF)$/);
          },
        });
      }
      for (const b of NOT_OBJECTS) {
        cases.push({
          what: `body ${b}`, body: b,
          check: (res) => {
            if (!nativeBody || b === 'null') return;
            assert.is(res.status, 400, `${route.path} ${b}`);
            assert.match(JSON.parse(res.body).error, /^json: cannot unmarshal \w+ into Go value of type api\.\w+$/);
          },
        });
      }
      for (const field of FIELDS) {
        for (const value of WRONG_VALUES) cases.push({ what: `${field}=${JSON.stringify(value)}`, body: JSON.stringify({ ...BASE, [field]: value }) });
      }
      for (const nested of NESTED) cases.push({ what: JSON.stringify(nested), body: JSON.stringify({ ...BASE, ...nested }) });
      cases.push({ what: 'a 5 MB body', body: FIVE_MB });

      await inBatches(cases, 64, async (c) => {
        const res = await send(base, route.method, path, c.body);
        checkAnswer(route, c.what, res);
        c.check?.(res);
      });
      const root = await send(base, 'GET', '/', '');
      assert.equal([root.status, root.body], [200, 'Ollama is running'], 'still serving');
    } finally {
      await fleet.stop();
    }
  });
}

test.run();
