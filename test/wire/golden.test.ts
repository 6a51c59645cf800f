// Golden wire bytes of non-streamed responses: status line, headers (but Date) and body of a fixed
// set of requests to a seeded fleet, sent over a raw socket and compared byte for byte with
// test/wire/golden/responses.json. The file was written by the code before the per-request
// optimisations (issue 10): a cheaper request path must answer exactly what it answered before.
// Streamed responses are not covered here.
//
//   GOLDEN_UPDATE=1 npx tsx test/wire/golden.test.ts   rewrites the file (review the diff!)
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startFleet, type Fleet } from '../../simulator/index.js';

const GOLDEN = join(import.meta.dirname, 'golden', 'responses.json');

interface Case {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  /** Extra request headers (CORS). */
  headers?: Record<string, string>;
  /** Sent first on the same connection, kept alive: its keep-alive head is part of the bytes. */
  before?: Case;
}

const CHAT = { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: 'Tell me about the sea.' }] };

const CASES: Case[] = [
  { name: 'native chat stream:false', method: 'POST', path: '/api/chat', body: CHAT },
  { name: 'native generate stream:false', method: 'POST', path: '/api/generate', body: { model: 'llama3.2', prompt: 'Count to five', stream: false } },
  { name: 'tags', method: 'GET', path: '/api/tags' },
  { name: 'tags HEAD', method: 'HEAD', path: '/api/tags' },
  { name: 'version', method: 'GET', path: '/api/version' },
  { name: 'root', method: 'GET', path: '/' },
  { name: 'ps (a model loaded by the chat above)', method: 'GET', path: '/api/ps' },
  { name: 'show', method: 'POST', path: '/api/show', body: { model: 'llama3.2' } },
  { name: 'embed', method: 'POST', path: '/api/embed', body: { model: 'nomic-embed-text', input: 'the same text' } },
  { name: 'openai chat non-stream', method: 'POST', path: '/v1/chat/completions', body: { model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] } },
  { name: 'openai models', method: 'GET', path: '/v1/models' },
  { name: 'error: 404 unknown model (native chat)', method: 'POST', path: '/api/chat', body: { ...CHAT, model: 'ghost' } },
  { name: 'error: 404 unknown model (openai chat)', method: 'POST', path: '/v1/chat/completions', body: { model: 'ghost', messages: [{ role: 'user', content: 'hi' }] } },
  { name: 'error: 400 bad field type', method: 'POST', path: '/api/chat', body: { model: 'llama3.2', stream: 'yes' } },
  { name: 'error: 400 missing body', method: 'POST', path: '/api/show', body: '' },
  { name: 'error: 404 unrouted', method: 'GET', path: '/api/nothing' },
  { name: 'error: 405 wrong method', method: 'GET', path: '/api/chat' },
  { name: 'cors: allowed origin, tags', method: 'GET', path: '/api/tags', headers: { Origin: 'http://localhost:3000' } },
  { name: 'cors: allowed origin, chat', method: 'POST', path: '/api/chat', body: { ...CHAT, messages: [{ role: 'user', content: 'cors' }] }, headers: { Origin: 'app://x' } },
  { name: 'cors: forbidden origin', method: 'GET', path: '/api/version', headers: { Origin: 'http://evil.example' } },
  { name: 'cors: preflight', method: 'OPTIONS', path: '/api/chat', headers: { Origin: 'http://127.0.0.1:9', 'Access-Control-Request-Method': 'POST' } },
  { name: 'keep-alive: version, chat, then tags', method: 'GET', path: '/api/tags', before: { name: '', method: 'POST', path: '/api/chat', body: { ...CHAT, messages: [{ role: 'user', content: 'again' }] }, before: { name: '', method: 'GET', path: '/api/version' } } },
];

/** The request's bytes; `close` asks the server to end the connection after its answer. */
function requestBytes(port: number, c: Case, close: boolean, host = `127.0.0.1:${port}`): string {
  const body = c.body === undefined ? '' : typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
  const head = [`${c.method} ${c.path} HTTP/1.1`, `Host: ${host}`];
  if (close) head.push('Connection: close');
  for (const [k, v] of Object.entries(c.headers ?? {})) head.push(`${k}: ${v}`);
  if (c.method === 'POST') head.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
  const first = c.before ? requestBytes(port, c.before, false, host) : '';
  return first + head.join('\r\n') + '\r\n\r\n' + body;
}

/** One request (and those `before` it) on its own connection; every byte the server sent until it closed. */
function exchange(port: number, c: Case, host?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`${c.name}: no end within 10 s`)), 10_000);
    socket.on('data', (d) => chunks.push(d));
    socket.once('error', reject);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    // No half-close: the server ends the connection after its answer (Connection: close).
    socket.write(requestBytes(port, c, true, host));
  });
}

/**
 * What legitimately differs between runs, masked narrowly: the Date header (wall clock), the
 * wall-clock timestamps of bodies (native `created_at`, /api/ps `expires_at`; `created` of an OpenAI
 * completion, not of a model, whose `created` is its fixed install time),
 * and the nanosecond durations of a native final object, which are measured, not simulated. Their
 * digit counts vary, so Content-Length is masked too, but only in a response whose body had a
 * masked value, and only after it was checked against the real body. The port is OS-chosen, and
 * OpenAI's numeric `chatcmpl-N` id is a hash of it. A masked value keeps its key, so a field that
 * appears or vanishes still fails.
 */
function normalize(raw: string, port: number): string {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split);
  const body = raw.slice(split + 4);
  const maskedBody = body
    .replace(/"(created_at|expires_at)":"[^"]*"/g, '"$1":"<time>"')
    .replace(/"object":"chat\.completion","created":\d+/g, '"object":"chat.completion","created":<unix>')
    .replace(/"id":"chatcmpl-\d+"/g, '"id":"chatcmpl-<port hash>"')
    .replace(/"(total_duration|load_duration|prompt_eval_duration|eval_duration)":\d+/g, '"$1":<ns>');
  const maskedHead = head
    .split('\r\n')
    .filter((l) => !/^date: /i.test(l))
    .map((l) => (maskedBody !== body && /^content-length: /i.test(l) ? 'Content-Length: <masked>' : l))
    .join('\r\n');
  return (maskedHead + '\r\n\r\n' + maskedBody).replace(new RegExp(`(?<![\\d.])${port}(?!\\d)`, 'g'), '<port>');
}

/**
 * The responses on one connection, cut by their Content-Length (every case answers with one; a
 * HEAD's is not followed by a body). The bytes must end exactly with the last response.
 */
function responses(raw: Buffer, c: Case): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < raw.length) {
    const split = raw.indexOf('\r\n\r\n', at);
    assert.ok(split > 0, `${c.name}: a complete head, got ${JSON.stringify(raw.subarray(at, at + 200).toString())}`);
    const head = raw.subarray(at, split).toString('latin1');
    const length = /\r\ncontent-length: (\d+)/i.exec(head);
    assert.ok(length, `${c.name}: a Content-Length in ${head}`);
    const end = split + 4 + (c.method === 'HEAD' ? 0 : Number(length[1]));
    assert.ok(end <= raw.length, `${c.name}: Content-Length ${length[1]} past the end of what arrived`);
    out.push(raw.subarray(at, end).toString('utf8'));
    at = end;
  }
  return out;
}

async function seededFleet(): Promise<Fleet> {
  return startFleet({ servers: 1, seed: 1, controlPort: null, defaults: { tokens_per_sec: 1e6, prompt_tokens_per_sec: 1e6, load_ms: 0, num_tokens: 12 } });
}

async function answers(fleet: Fleet, host?: string): Promise<Record<string, string>> {
  const port = fleet.ports[0];
  const got: Record<string, string> = {};
  for (const c of CASES) got[c.name] = responses(await exchange(port, c, host), c).map((r) => normalize(r, port)).join('\n');
  return got;
}

const fleets: Fleet[] = [];

test.after.each(async () => {
  await Promise.all(fleets.splice(0).map((f) => f.stop()));
});

test('non-streamed responses are byte-identical to the golden file', async () => {
  const fleet = await seededFleet();
  fleets.push(fleet);
  const got = await answers(fleet);
  if (process.env.GOLDEN_UPDATE) {
    writeFileSync(GOLDEN, JSON.stringify(got, null, 2) + '\n');
    console.log(`wrote ${GOLDEN}`);
    return;
  }
  const want = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, string>;
  assert.equal(Object.keys(got), Object.keys(want), 'the same cases');
  for (const c of CASES) assert.fixture(got[c.name], want[c.name], c.name);
});

test('the masks are narrow: a second fleet with the same seed answers the same normalized bytes', async () => {
  const a = await seededFleet();
  const b = await seededFleet();
  fleets.push(a, b);
  const first = await answers(a);
  const second = await answers(b);
  assert.ok(first['native chat stream:false'].includes('"content":"'), 'a real chat body');
  for (const c of CASES) assert.fixture(second[c.name], first[c.name], c.name);
});

test('the direct route table answers what Hono answers: a Host Hono must normalize takes the Hono path', async () => {
  const fleet = await seededFleet();
  fleets.push(fleet);
  // An upper-case host is not one app.ts hands to its route table (node-server parses it with new
  // URL first), so every case below runs through Hono's router; the bytes must be the golden ones.
  const got = await answers(fleet, `LOCALHOST:${fleet.ports[0]}`);
  const want = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, string>;
  for (const c of CASES) assert.fixture(got[c.name], want[c.name], c.name);
});

test.run();
