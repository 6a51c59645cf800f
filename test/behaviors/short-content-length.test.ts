// ShortContentLength on the wire: a Content-Length short of the body leaves the surplus bytes on a
// keep-alive connection, where the next response should begin; a stream frames one chunk short.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CHAT, chatRequest, control, fleetPerTest, parseResponse, request, setBehavior } from './wire.js';

const h = fleetPerTest(test);

const isJson = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

test('non-streamed: Content-Length short by N, the whole body sent, the surplus where the next response starts', async () => {
  await setBehavior(h.fleet, h.port, { type: 'ShortContentLength', short_by: 8 });
  const c = h.open().send(chatRequest({ stream: false }));
  const record = await h.fleet.waitForRecord((r) => r.path === '/api/chat');
  assert.is(record.outcome, 'fault');
  assert.is(record.fault, 'short_content_length');
  const first = await c.until((s) => (parseResponse(s.text)?.body.length ?? 0) >= record.bytesWritten, 5000, 'the whole body');
  const res = parseResponse(first.text)!;
  const declared = Number(res.headers['content-length']);
  assert.is(res.status, 200);
  assert.is(declared, record.bytesWritten - 8);
  assert.is(res.body.length, record.bytesWritten, 'every byte of the body was sent');
  assert.ok(isJson(res.body), 'the bytes sent are the complete JSON body');
  assert.not.ok(isJson(res.body.slice(0, declared)), 'what Content-Length delimits does not parse');
  assert.is(first.ended, false, 'the connection stays open for the next request');

  // The next request on the same connection: its response is preceded by the surplus.
  const headEnd = first.text.indexOf('\r\n\r\n') + 4;
  c.send(request('GET', '/api/version'));
  const second = await c.untilText('{"version"');
  const next = second.text.slice(headEnd + declared);
  assert.is(next.slice(0, 8), res.body.slice(declared));
  assert.not.ok(next.startsWith('HTTP/'), 'a client reading the next response finds no status line');
  assert.ok(next.slice(8).startsWith('HTTP/1.1 200 OK'), next);
});

test('non-streamed, through fetch: the body a real client gets is cut short and is not JSON', async () => {
  await setBehavior(h.fleet, h.port, { type: 'ShortContentLength', short_by: 5 });
  const res = await fetch(`${h.fleet.urls[0]}/api/chat`, { method: 'POST', body: JSON.stringify({ ...CHAT, stream: false }) });
  const text = await res.text();
  const record = await h.fleet.waitForRecord((r) => r.path === '/api/chat');
  assert.is(res.status, 200);
  assert.is(text.length, record.bytesWritten - 5);
  assert.not.ok(isJson(text), text);
});

test('streamed: N well-framed chunks, then one whose size line is short by N, then FIN', async () => {
  await setBehavior(h.fleet, h.port, { type: 'ShortContentLength', short_by: 8, after_tokens: 2 });
  const seen = await h.open().send(chatRequest()).untilClosed();
  assert.is(seen.ended, true, 'FIN');
  assert.is(seen.error, null, 'not a reset');
  const res = parseResponse(seen.text)!;
  assert.is(res.status, 200);
  assert.is(res.headers['transfer-encoding'], 'chunked');
  // Walk the chunks by their size lines; the third one carries more than it declares.
  let at = 0;
  for (let i = 0; i < 2; i++) {
    const eol = res.body.indexOf('\r\n', at);
    const size = parseInt(res.body.slice(at, eol), 16);
    assert.ok(isJson(res.body.slice(eol + 2, eol + 2 + size)), `chunk ${i} is a whole JSON line`);
    assert.is(res.body.slice(eol + 2 + size, eol + 4 + size), '\r\n');
    at = eol + 4 + size;
  }
  const eol = res.body.indexOf('\r\n', at);
  const declared = parseInt(res.body.slice(at, eol), 16);
  const data = res.body.slice(eol + 2, res.body.length - 2);
  assert.ok(res.body.endsWith('\r\n'));
  assert.is(data.length, declared + 8);
  assert.ok(isJson(data), 'the short chunk carries a whole JSON line');
  assert.is.not(res.body.slice(eol + 2 + declared, eol + 4 + declared), '\r\n', 'no CRLF where the declared size ends');
  const record = await h.fleet.waitForRecord((r) => r.path === '/api/chat');
  assert.is(record.fault, 'short_content_length');
  assert.is(record.linesWritten, 2);
});

test('a short_by below 1 is a 400 naming the field', async () => {
  const r = await control(h.fleet, 'POST', '/behavior', { port: h.port, behavior: { type: 'ShortContentLength', short_by: 0 } });
  assert.is(r.status, 400);
  assert.is(r.json.field, 'short_by');
});

test.run();
