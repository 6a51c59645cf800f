// The request body limit: a server's max_body_bytes (default 32 MiB) and the control API's 16 MiB.
// Over it: 413 in the route's own error envelope, naming the limit, sent once the body has arrived,
// on a connection that stays usable; at the limit the body is served as usual.
import { connect } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_MAX_BODY_BYTES, SERVER_SCHEMA } from '../../simulator/config.js';
import { CONTROL_MAX_BODY_BYTES } from '../../simulator/control/body-limit.js';
import { startFleet, type Fleet } from '../../simulator/index.js';

const LIMIT = 1000;
const MESSAGE = `http: request body too large: the limit is ${LIMIT} bytes (setting max_body_bytes)`;
let fleet: Fleet;
/** The server with the small limit (fleet.ports is in port order, and servers come and go below). */
let port: number;
let url: string;

test.before(async () => {
  fleet = await startFleet({ servers: [{ port: 0, max_body_bytes: LIMIT, load_ms: 0 }], controlPort: 0 });
  [port, url] = [fleet.ports[0], fleet.urls[0]];
});
test.after(() => fleet.stop());

/** A JSON chat body of exactly `size` bytes. */
function chatOfSize(size: number): string {
  const head = '{"model":"test-model","stream":false,"messages":[{"role":"user","content":"';
  return head + 'x'.repeat(size - head.length - 4) + '"}]}';
}

/** A body of unknown length: the ReadableStream makes fetch send it chunked. */
function chunked(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(c) {
      for (let i = 0; i < bytes.length; i += 512) c.enqueue(bytes.subarray(i, i + 512));
      c.close();
    },
  });
}

test('the default limit is 32 MiB and shows in /status', async () => {
  assert.is(DEFAULT_MAX_BODY_BYTES, 32 * 1024 * 1024);
  assert.is((SERVER_SCHEMA.max_body_bytes as { default: number }).default, DEFAULT_MAX_BODY_BYTES);
  const other = await fleet.addServer({ port: 0 });
  assert.is(other.settings.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
  const status = (await (await fetch(`${fleet.controlUrl}/status`)).json()) as { servers: Array<{ port: number; settings: { max_body_bytes: number } }> };
  assert.is(status.servers.find((s) => s.port === port)!.settings.max_body_bytes, LIMIT);
  await fleet.removeServer(other.port);
});

test('one byte over, by Content-Length: 413 naming the limit, in each envelope; the journal counts the bytes', async () => {
  const since = fleet.cursor;
  const native = await fetch(`${url}/api/chat`, { method: 'POST', body: chatOfSize(LIMIT + 1) });
  assert.is(native.status, 413);
  assert.is(native.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.equal(await native.json(), { error: MESSAGE });
  const openai = await fetch(`${url}/v1/chat/completions`, { method: 'POST', body: chatOfSize(LIMIT + 1) });
  assert.equal([openai.status, ((await openai.json()) as { error: { message: string } }).error.message], [413, MESSAGE]);
  const anthropic = await fetch(`${url}/v1/messages`, { method: 'POST', body: chatOfSize(LIMIT + 1) });
  const a = (await anthropic.json()) as { type: string; error: { message: string } };
  assert.equal([anthropic.status, a.type, a.error.message], [413, 'error', MESSAGE]);
  const record = fleet.journal({ since }).find((r) => r.path === '/api/chat')!;
  assert.equal([record.status, record.bodyBytes, record.outcome], [413, LIMIT + 1, 'completed']);
});

test('the job API and a node agent\'s POST /execute: 413 in their own shapes, naming the limit', async () => {
  const jobs = await fetch(`${url}/v1/jobs`, { method: 'POST', body: chatOfSize(LIMIT + 1) });
  assert.equal([jobs.status, await jobs.json()], [413, { error: { code: 'PAYLOAD_TOO_LARGE', message: MESSAGE } }]);
  // A node agent refuses the body itself, in FastAPI's {"detail"}: not an Ollama error relayed as 502.
  const agent = await fleet.addServer({ port: 0, max_body_bytes: LIMIT, hub_url: 'http://127.0.0.1:9/', heartbeat_interval: '1h' });
  try {
    const execute = await fetch(`${agent.url}/execute`, { method: 'POST', body: chatOfSize(LIMIT + 1) });
    assert.equal([execute.status, await execute.json()], [413, { detail: MESSAGE }]);
  } finally {
    await fleet.removeServer(agent.port);
  }
});

test('at the limit the body is served; a chunked body that crosses it gets the 413 too', async () => {
  const atLimit = await fetch(`${url}/api/chat`, { method: 'POST', body: chatOfSize(LIMIT) });
  assert.is(atLimit.status, 200, await atLimit.clone().text());
  assert.is(((await atLimit.json()) as { done: boolean }).done, true);
  const over = await fetch(`${url}/api/generate`, { method: 'POST', body: chunked(chatOfSize(5 * LIMIT)), duplex: 'half' } as RequestInit);
  assert.equal([over.status, await over.json()], [413, { error: MESSAGE }]);
});

test('the connection stays usable: a request after the 413 on the same socket is answered', async () => {
  const big = chatOfSize(3 * LIMIT);
  const answers = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => {
      data += d;
      if (data.includes('{"version"')) {
        socket.end();
        resolve(data);
      }
    });
    socket.on('error', reject);
    socket.write(`POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Length: ${big.length}\r\n\r\n${big}GET /api/version HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
  assert.match(answers, /^HTTP\/1\.1 413 /);
  assert.match(answers, /HTTP\/1\.1 200 OK[\s\S]*\{"version":"/);
});

test('a GET with a body over the limit is answered as Ollama does: the body is ignored', async () => {
  const res = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
    socket.end(`GET /api/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: ${5 * LIMIT}\r\n\r\n${'x'.repeat(5 * LIMIT)}`);
  });
  assert.match(res, /^HTTP\/1\.1 200 OK/);
});

test('POST /servers takes max_body_bytes, validated', async () => {
  const created = await fetch(`${fleet.controlUrl}/servers`, { method: 'POST', body: JSON.stringify({ port: 0, max_body_bytes: 10 }) });
  assert.is(created.status, 201);
  const made = (await created.json()) as { url: string; port: number };
  const res = await fetch(`${made.url}/api/show`, { method: 'POST', body: '{"model":"test-model"}' });
  assert.equal([res.status, await res.json()], [413, { error: 'http: request body too large: the limit is 10 bytes (setting max_body_bytes)' }]);
  await fleet.removeServer(made.port);
  const bad = await fetch(`${fleet.controlUrl}/servers`, { method: 'POST', body: JSON.stringify({ port: 0, max_body_bytes: 0 }) });
  assert.equal([bad.status, await bad.json()], [400, { error: "server: field 'max_body_bytes' must be >= 1, got number 0", field: 'max_body_bytes' }]);
});

test('the control API: over 16 MiB is a 413 naming its limit, with Content-Length or chunked, on any endpoint', async () => {
  const over = Buffer.alloc(CONTROL_MAX_BODY_BYTES + 1, ' ');
  const expected = { error: `request body too large: the control API accepts at most ${CONTROL_MAX_BODY_BYTES} bytes`, field: 'body' };
  const byLength = await fetch(`${fleet.controlUrl}/behavior`, { method: 'POST', body: over });
  assert.equal([byLength.status, await byLength.json()], [413, expected]);
  const streamed = await fetch(`${fleet.controlUrl}/reset`, { method: 'POST', body: chunked(over.toString()), duplex: 'half' } as RequestInit);
  assert.equal([streamed.status, await streamed.json()], [413, expected]);
  // An endpoint that reads no body still answers it (the body is read and dropped first).
  const ignoring = await fetch(`${fleet.controlUrl}/servers/${port}/up`, { method: 'POST', body: over });
  assert.is(ignoring.status, 413);
  const ok = await fetch(`${fleet.controlUrl}/behavior`, { method: 'POST', body: JSON.stringify({ port, behavior: { type: 'Normal' } }) });
  assert.is(ok.status, 200);
});

test.run();
