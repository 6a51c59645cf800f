// GET /metrics: Prometheus text with request outcomes per server/endpoint and the live gauges.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chatRequest, control, setBehavior, streamedLines, fleetPerTest } from '../behaviors/wire.js';

const h = fleetPerTest(test, { servers: 2 });

function sample(text: string, name: string, labels: Record<string, string | number>): number | null {
  const l = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
  const line = text.split('\n').find((x) => x.startsWith(`${name}{${l}} `));
  return line === undefined ? null : Number(line.split(' ').pop());
}

test('outcome counters by server, endpoint and outcome; fault kinds', async () => {
  const [a, b] = h.fleet.ports;
  const post = (port: number) =>
    fetch(`http://127.0.0.1:${port}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'test-model', messages: [{ role: 'user', content: 'x' }] }) }).then((r) => r.text());
  await post(a);
  await post(a);
  await fetch(`http://127.0.0.1:${a}/v1/models/test-model`).then((r) => r.text());
  await setBehavior(h.fleet, b, { type: 'HttpError', status_code: 502 });
  await post(b);
  await h.fleet.waitForRecord((r) => r.server === b);
  const res = await control(h.fleet, 'GET', '/metrics');
  assert.is(res.status, 200);
  const text = res.text;
  assert.match(text, /# TYPE ollama_sim_requests_total counter/);
  assert.is(sample(text, 'ollama_sim_requests_total', { server: a, endpoint: '/api/chat', outcome: 'completed' }), 2);
  assert.is(sample(text, 'ollama_sim_requests_total', { server: a, endpoint: '/v1/models/:model', outcome: 'completed' }), 1);
  assert.is(sample(text, 'ollama_sim_requests_total', { server: b, endpoint: '/api/chat', outcome: 'fault' }), 1);
  assert.is(sample(text, 'ollama_sim_faults_total', { server: b, endpoint: '/api/chat', fault: 'http_error' }), 1);
});

test('gauges: active streams, busy slots, queue depth, listener up', async () => {
  const [a, b] = h.fleet.ports;
  await setBehavior(h.fleet, a, { type: 'Stall', after_tokens: 1 });
  const first = h.open(a).send(chatRequest());
  await first.until((s) => streamedLines(s.text).lines.length === 1, 5000, 'one line');
  h.open(a).send(chatRequest()); // waits for the only slot
  await control(h.fleet, 'POST', `/servers/${b}/down`);
  let text = '';
  // The queued request is counted once it has been read; poll the scrape until it shows.
  for (let i = 0; i < 50 && sample(text, 'ollama_sim_queue_depth', { server: a }) !== 1; i++) {
    text = (await control(h.fleet, 'GET', '/metrics')).text;
    if (sample(text, 'ollama_sim_queue_depth', { server: a }) !== 1) await new Promise((r) => setTimeout(r, 20));
  }
  assert.is(sample(text, 'ollama_sim_queue_depth', { server: a }), 1);
  assert.is(sample(text, 'ollama_sim_busy_slots', { server: a }), 1);
  assert.is(sample(text, 'ollama_sim_active_streams', { server: a }), 0, 'a stalled stream is no longer generating');
  assert.is(sample(text, 'ollama_sim_listener_up', { server: a }), 1);
  assert.is(sample(text, 'ollama_sim_listener_up', { server: b }), 0);
});

test.run();
