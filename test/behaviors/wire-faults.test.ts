// Every behavior observed from a raw TCP client: the exact bytes that arrive and how the connection
// ends (FIN = 'end', RST = ECONNRESET, refused = ECONNREFUSED, or silence with the socket open).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chatRequest, connectResult, control, parseResponse, request, setBehavior, streamedLines, fleetPerTest, wireFleet } from './wire.js';

const h = fleetPerTest(test);

/** How long "silent" must last to count: the one place a bounded wait is the assertion itself. */
const SILENCE_MS = 300;

const isChunkLine = (line: string) => {
  const o = JSON.parse(line);
  return o.done === false && typeof o.message?.content === 'string';
};

test('Normal: a well-formed chunked NDJSON stream ending with done and the terminating chunk', async () => {
  await setBehavior(h.fleet, h.port, { type: 'Normal', tokens_per_sec: 500, prompt_eval_tokens_per_sec: 2900, num_tokens: 5, load_delay_ms: 0 });
  const c = h.open().send(chatRequest());
  const seen = await c.untilText('0\r\n\r\n');
  const { lines, terminated } = streamedLines(seen.text);
  assert.ok(terminated);
  assert.is(JSON.parse(lines[lines.length - 1]).done, true);
  assert.is(lines.filter(isChunkLine).length, 5);
  assert.is(seen.ended, false, 'keep-alive: no FIN after a complete response');
});

test('FailMidStream (anchor payload): exactly N complete lines, then FIN, no terminating chunk', async () => {
  await setBehavior(h.fleet, h.port, { type: 'FailMidStream', tokens_before_fail: 3, tokens_per_sec: 65 });
  const c = h.open().send(chatRequest());
  const seen = await c.untilClosed();
  assert.is(seen.ended, true, 'FIN');
  assert.is(seen.error, null, 'not a reset');
  const res = parseResponse(seen.text)!;
  assert.is(res.status, 200);
  const { lines, terminated } = streamedLines(seen.text);
  assert.is(lines.length, 3);
  assert.ok(lines.every(isChunkLine));
  assert.not.ok(terminated);
  assert.not.ok(seen.text.includes('0\r\n\r\n'));
  assert.ok(seen.text.endsWith('\n\r\n'), 'ends right after the third complete chunk');
});

test('ConnectionRefused: the port refuses TCP until the behavior changes', async () => {
  await setBehavior(h.fleet, h.port, { type: 'ConnectionRefused' });
  assert.is(await connectResult(h.port), 'ECONNREFUSED');
  const status = await control(h.fleet, 'GET', '/status');
  assert.is(status.json.servers[0].listening, false);
  await setBehavior(h.fleet, h.port, { type: 'Normal' });
  assert.is(await connectResult(h.port), 'connected');
});

test('POST /servers/:port/down and /up: ECONNREFUSED, then the listener comes back', async () => {
  const down = await control(h.fleet, 'POST', `/servers/${h.port}/down`);
  assert.is(down.status, 200);
  assert.is(down.json.listening, false);
  assert.is(await connectResult(h.port), 'ECONNREFUSED');
  const up = await control(h.fleet, 'POST', `/servers/${h.port}/up`);
  assert.is(up.json.listening, true);
  const c = h.open().send(request('GET', '/'));
  assert.ok((await c.untilText('Ollama is running')).text.startsWith('HTTP/1.1 200'));
});

test('Reset on accept: RST before any byte, before HTTP', async () => {
  await setBehavior(h.fleet, h.port, { type: 'Reset', on: 'accept' });
  const c = h.open();
  c.send(chatRequest());
  const seen = await c.untilClosed();
  assert.is(seen.error, 'ECONNRESET');
  assert.is(seen.bytes, 0);
});

test('Reset on request: the request is read, then RST with no response byte', async () => {
  await setBehavior(h.fleet, h.port, { type: 'Reset', on: 'request' });
  const seen = await h.open().send(chatRequest()).untilClosed();
  assert.is(seen.error, 'ECONNRESET');
  assert.is(seen.bytes, 0);
  const r = await h.fleet.waitForRecord((x) => x.path === '/api/chat');
  assert.is(r.fault, 'reset');
});

test('Reset on headers: the 200 status line and headers, then RST', async () => {
  await setBehavior(h.fleet, h.port, { type: 'Reset', on: 'headers' });
  const seen = await h.open().send(chatRequest()).untilClosed();
  assert.is(seen.error, 'ECONNRESET');
  const res = parseResponse(seen.text)!;
  assert.is(res.status, 200);
  assert.is(res.body, '');
});

test('Reset after_tokens: N lines, then RST', async () => {
  await setBehavior(h.fleet, h.port, { type: 'Reset', after_tokens: 2 });
  const seen = await h.open().send(chatRequest()).untilClosed();
  assert.is(seen.error, 'ECONNRESET');
  assert.is(streamedLines(seen.text).lines.length, 2);
});

test('AbruptClose (anchor payload): headers and exactly the given body bytes, then RST', async () => {
  await setBehavior(h.fleet, h.port, { type: 'AbruptClose', bytes_before_close: 10 });
  const seen = await h.open().send(chatRequest()).untilClosed();
  assert.is(seen.error, 'ECONNRESET');
  const res = parseResponse(seen.text)!;
  assert.is(res.status, 200);
  // One chunk: "a\r\n" + 10 payload bytes + "\r\n".
  assert.is(res.body.length, 3 + 10 + 2);
  assert.is(res.body.slice(3, 13), '{"model":"');
});

test('Stall: N lines, then the socket stays open and silent (no FIN, no RST)', async () => {
  await setBehavior(h.fleet, h.port, { type: 'Stall', after_tokens: 2 });
  const c = h.open().send(chatRequest());
  await c.until((s) => streamedLines(s.text).lines.length === 2, 5000, 'two lines');
  const before = c.seen.bytes;
  const seen = await c.quietFor(SILENCE_MS);
  assert.is(seen.bytes, before, 'no byte after the stall');
  assert.is(seen.ended, false);
  assert.is(seen.closed, false);
  assert.is(streamedLines(seen.text).lines.length, 2);
});

test('Stall with no parameters uses its documented default (2 lines)', async () => {
  await setBehavior(h.fleet, h.port, { type: 'Stall' });
  const c = h.open().send(chatRequest());
  await c.until((s) => streamedLines(s.text).lines.length === 2, 5000, 'two lines');
  const seen = await c.quietFor(SILENCE_MS);
  assert.is(streamedLines(seen.text).lines.length, 2);
  assert.is(seen.closed, false);
});

test('TimeoutAfterHeaders (anchor payload): the 200 headers, then silence', async () => {
  await setBehavior(h.fleet, h.port, { type: 'TimeoutAfterHeaders', timeout_ms: 60000 });
  const c = h.open().send(chatRequest());
  await c.untilText('\r\n\r\n');
  const seen = await c.quietFor(SILENCE_MS);
  const res = parseResponse(seen.text)!;
  assert.is(res.status, 200);
  assert.is(res.headers['content-type'], 'application/x-ndjson');
  assert.is(res.body, '');
  assert.is(seen.ended, false);
  assert.is(seen.closed, false);
});

test('Blackhole: the connection is accepted, the request never read or answered', async () => {
  await setBehavior(h.fleet, h.port, { type: 'Blackhole' });
  const c = h.open();
  await c.connected;
  c.send(chatRequest());
  const seen = await c.quietFor(SILENCE_MS);
  assert.is(seen.bytes, 0);
  assert.is(seen.closed, false);
  assert.is(h.fleet.journal().length, 0, 'never reached HTTP');
});

test('Hang: the request is read, no byte ever comes back', async () => {
  await setBehavior(h.fleet, h.port, { type: 'Hang' });
  const c = h.open().send(chatRequest());
  const seen = await c.quietFor(SILENCE_MS);
  assert.is(seen.bytes, 0);
  assert.is(seen.closed, false);
  assert.is(h.fleet.journal()[0].fault, 'hang');
});

test("InBandError: HTTP 200, N lines, then Ollama's {\"error\"} line and a clean end", async () => {
  await setBehavior(h.fleet, h.port, { type: 'InBandError', after_tokens: 2, message: 'boom' });
  const seen = await h.open().send(chatRequest()).untilText('0\r\n\r\n');
  assert.is(parseResponse(seen.text)!.status, 200);
  const { lines, terminated } = streamedLines(seen.text);
  assert.ok(terminated);
  assert.is(lines.length, 3);
  assert.ok(lines.slice(0, 2).every(isChunkLine));
  assert.equal(JSON.parse(lines[2]), { error: 'boom' });
});

test('Truncate: N lines, then a clean end of the body without a done line', async () => {
  await setBehavior(h.fleet, h.port, { type: 'Truncate', after_tokens: 3 });
  const seen = await h.open().send(chatRequest()).untilText('0\r\n\r\n');
  const { lines, terminated } = streamedLines(seen.text);
  assert.ok(terminated);
  assert.is(lines.length, 3);
  assert.ok(lines.every(isChunkLine));
  assert.is(seen.error, null);
});

test('MalformedChunk json: one line that is not JSON, then the stream carries on to done', async () => {
  await setBehavior(h.fleet, h.port, { type: 'MalformedChunk', after_tokens: 2, kind: 'json' });
  const seen = await h.open().send(chatRequest()).untilText('0\r\n\r\n');
  const { lines } = streamedLines(seen.text);
  const bad = lines.filter((l) => {
    try {
      JSON.parse(l);
      return false;
    } catch {
      return true;
    }
  });
  assert.ok(bad.length >= 1, 'a line that is not JSON');
  assert.ok(lines.slice(0, 2).every(isChunkLine));
  assert.is(JSON.parse(lines[lines.length - 1]).done, true);
});

test('MalformedChunk framing: bytes that are not a chunk size, then FIN', async () => {
  await setBehavior(h.fleet, h.port, { type: 'MalformedChunk', after_tokens: 1, kind: 'framing' });
  const seen = await h.open().send(chatRequest()).untilClosed();
  const { lines, malformed } = streamedLines(seen.text);
  assert.ok(malformed);
  assert.is(lines.length, 1);
  assert.is(seen.ended, true);
});

test('SlowHeaders: the status line comes only after delay_ms', async () => {
  await setBehavior(h.fleet, h.port, { type: 'SlowHeaders', delay_ms: 300 });
  const c = h.open();
  await c.connected;
  const sent = performance.now();
  c.send(chatRequest());
  await c.untilText('HTTP/1.1');
  const waited = c.arrivals[0].at - sent;
  assert.ok(waited >= 290, `first byte after ${waited.toFixed(0)} ms`);
  assert.ok(waited < 2000, `first byte after ${waited.toFixed(0)} ms`);
});

test('Trickle: the body leaves at about bytes_per_sec', async () => {
  const rate = 4000;
  await setBehavior(h.fleet, h.port, { type: 'Trickle', bytes_per_sec: rate });
  const c = h.open().send(chatRequest());
  const seen = await c.untilText('0\r\n\r\n', 10_000);
  const first = c.arrivals[0];
  const last = c.arrivals[c.arrivals.length - 1];
  const bodyBytes = parseResponse(seen.text)!.body.length;
  const elapsed = last.at - first.at;
  const expected = (bodyBytes / rate) * 1000;
  assert.ok(c.arrivals.length > 5, `arrived in ${c.arrivals.length} pieces`);
  assert.ok(elapsed > expected * 0.6, `${bodyBytes} bytes in ${elapsed.toFixed(0)} ms, expected about ${expected.toFixed(0)}`);
  assert.ok(elapsed < expected * 3 + 500, `${bodyBytes} bytes in ${elapsed.toFixed(0)} ms, expected about ${expected.toFixed(0)}`);
});

test("Busy: 503 with Ollama's server-busy text", async () => {
  await setBehavior(h.fleet, h.port, { type: 'Busy' });
  const seen = await h.open().send(chatRequest()).untilText('exceeded');
  const res = parseResponse(seen.text)!;
  assert.is(res.status, 503);
  assert.equal(JSON.parse(res.body), { error: 'server busy, please try again.  maximum pending requests exceeded' });
});

test('RateLimited: 429 with Retry-After', async () => {
  await setBehavior(h.fleet, h.port, { type: 'RateLimited', retry_after_s: 7 });
  const seen = await h.open().send(chatRequest()).untilText('}');
  const res = parseResponse(seen.text)!;
  assert.is(res.status, 429);
  assert.is(res.headers['retry-after'], '7');
});

test('HttpError (anchor payload): the status and {"error": message}', async () => {
  await setBehavior(h.fleet, h.port, { type: 'HttpError', status_code: 503, message: 'x' });
  const seen = await h.open().send(chatRequest()).untilText('}');
  const res = parseResponse(seen.text)!;
  assert.is(res.status, 503);
  assert.equal(JSON.parse(res.body), { error: 'x' });
});

test('ModelNotFound (anchor payload): 404 naming the configured model', async () => {
  await setBehavior(h.fleet, h.port, { type: 'ModelNotFound', model_name: 'x' });
  const seen = await h.open().send(chatRequest()).untilText('}');
  const res = parseResponse(seen.text)!;
  assert.is(res.status, 404);
  assert.match(JSON.parse(res.body).error, /'x'/);
});

test('Custom (anchor payload): exactly this status, content type and body', async () => {
  await setBehavior(h.fleet, h.port, { type: 'Custom', response_body: 'hello raw', status_code: 200, content_type: 'text/plain', delay_ms: 0 });
  const seen = await h.open().send(chatRequest()).untilText('hello raw');
  const res = parseResponse(seen.text)!;
  assert.is(res.status, 200);
  assert.is(res.headers['content-type'], 'text/plain');
  assert.is(res.body, 'hello raw');
});

test('Slow (anchor payload): the stream is complete, paced at tokens_per_sec', async () => {
  await setBehavior(h.fleet, h.port, { type: 'Slow', tokens_per_sec: 50, num_tokens: 5 });
  const c = h.open();
  await c.connected;
  const sent = performance.now();
  c.send(chatRequest());
  const seen = await c.untilText('0\r\n\r\n');
  const { lines } = streamedLines(seen.text);
  assert.is(lines.filter(isChunkLine).length, 5);
  const took = performance.now() - sent;
  assert.ok(took >= 90, `5 tokens at 50/s took ${took.toFixed(0)} ms`);
});

async function flakyOutcomes(seed: number): Promise<number[]> {
  const w = await wireFleet({ seed });
  try {
    await setBehavior(w.fleet, w.port, { type: 'Flaky', mix: { Normal: 1, HttpError: { weight: 1, status_code: 502 } } });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${w.fleet.urls[0]}/api/chat`, { method: 'POST', body: JSON.stringify({ ...JSON.parse(chatRequest().split('\r\n\r\n')[1]), stream: false }) });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    return statuses;
  } finally {
    await w.close();
  }
}

test('Flaky: the same seed gives the same mix on a fresh fleet', async () => {
  const a = await flakyOutcomes(11);
  const b = await flakyOutcomes(11);
  assert.equal(a, b);
  assert.ok(a.includes(200) && a.includes(502), `both outcomes drawn: ${a}`);
});

test.run();
