// A backend whose listener is closed (ConnectionRefused, POST /servers/{port}/down) has no idle
// keep-alive connections either: a balancer's pooled connection must not keep reaching a
// "refusing" backend. Idle ones get closed at once; one with a response in flight gets it whole,
// then is closed. (Regression: http.Server.closeIdleConnections() did nothing, since the HTTP
// server never listens itself; nginx and HAProxy kept sending requests to "down" backends.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chatRequest, request, setBehavior, streamedLines, fleetPerTest } from './wire.js';

const h = fleetPerTest(test);

test('closing the listener closes an idle keep-alive connection', async () => {
  const c = h.open().send(request('GET', '/'));
  await c.untilText('Ollama is running');
  assert.is(c.seen.closed, false, 'keep-alive: still open after the response');
  await setBehavior(h.fleet, h.port, { type: 'ConnectionRefused' });
  const seen = await c.untilClosed(2000);
  assert.is(seen.error, null, 'a FIN or a quiet close, not an error before any request');
});

test('a response in flight when the listener closes completes, then its connection closes', async () => {
  await setBehavior(h.fleet, h.port, { type: 'Normal', tokens_per_sec: 20, num_tokens: 6, load_delay_ms: 0 });
  const c = h.open().send(chatRequest());
  await c.untilText('"done":false');
  h.fleet.server(h.port).adminDown = true;
  await h.fleet.server(h.port).syncListener();
  const seen = await c.untilClosed(5000);
  const { lines, terminated } = streamedLines(seen.text);
  assert.ok(terminated, 'the stream got its terminating chunk before the close');
  assert.is(JSON.parse(lines.at(-1)!).done, true);
});

test('a connection opened after the listener reopens stays keep-alive', async () => {
  await setBehavior(h.fleet, h.port, { type: 'ConnectionRefused' });
  await setBehavior(h.fleet, h.port, { type: 'Normal' });
  const c = h.open().send(request('GET', '/'));
  await c.untilText('Ollama is running');
  const again = await c.send(request('GET', '/api/version')).untilText('"version"');
  assert.is(again.closed, false);
});

test.run();
