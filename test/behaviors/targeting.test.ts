// The targeting fields any behavior may carry: endpoints (default: the inference endpoints, so
// health probes stay healthy), models, times (then fall back), probability (seeded, reproducible).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Fleet } from '../../simulator/index.js';
import { control, setBehavior, fleetPerTest, wireFleet } from './wire.js';

const h = fleetPerTest(test);

async function chat(fleet: Fleet, model = 'test-model', port = fleet.ports[0]): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/chat`, {
    method: 'POST',
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], stream: false }),
  });
  await res.arrayBuffer();
  return res.status;
}

async function get(fleet: Fleet, path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(fleet.urls[0] + path);
  return { status: res.status, text: await res.text() };
}

test('endpoints default to the inference endpoints: GET / stays healthy while /api/chat fails', async () => {
  await setBehavior(h.fleet, h.port, { type: 'HttpError', status_code: 500, message: 'down' });
  assert.equal(await get(h.fleet, '/'), { status: 200, text: 'Ollama is running' });
  assert.is((await get(h.fleet, '/api/tags')).status, 200);
  assert.is(await chat(h.fleet), 500);
});

test('endpoints: only the listed paths are affected; "*" covers health probes too', async () => {
  await setBehavior(h.fleet, h.port, { type: 'HttpError', status_code: 502, endpoints: ['/api/tags'] });
  assert.is((await get(h.fleet, '/api/tags')).status, 502);
  assert.is(await chat(h.fleet), 200);
  await setBehavior(h.fleet, h.port, { type: 'HttpError', status_code: 502, endpoints: ['*'] });
  assert.is((await get(h.fleet, '/')).status, 502);
});

test('models: only requests for these models (names normalised) are affected', async () => {
  await setBehavior(h.fleet, h.port, { type: 'HttpError', models: ['llama3.2'] });
  assert.is(await chat(h.fleet, 'test-model'), 200);
  assert.is(await chat(h.fleet, 'llama3.2:latest'), 500);
});

test('times: the next N matching requests, then back to the previous behavior', async () => {
  await setBehavior(h.fleet, h.port, { type: 'HttpError', status_code: 503 });
  await setBehavior(h.fleet, h.port, { type: 'RateLimited', times: 2 });
  const statuses = [await chat(h.fleet), await chat(h.fleet), await chat(h.fleet), await chat(h.fleet)];
  assert.equal(statuses, [429, 429, 503, 503]);
});

test('times only counts matching requests: a health probe does not use one up', async () => {
  await setBehavior(h.fleet, h.port, { type: 'HttpError', times: 1 });
  assert.is((await get(h.fleet, '/')).status, 200);
  assert.is(await chat(h.fleet), 500);
  assert.is(await chat(h.fleet), 200);
});

test('POST /behavior/sequence: N failures, then recovery; /status shows the program', async () => {
  const r = await control(h.fleet, 'POST', '/behavior/sequence', { port: h.port, steps: [{ type: 'HttpError', status_code: 502, times: 2 }, { type: 'Normal' }] });
  assert.is(r.status, 200);
  const status = await control(h.fleet, 'GET', '/status');
  assert.equal(status.json.servers[0].behavior, { type: 'HttpError', status_code: 502, message: 'internal server error', times: 2, remaining: 2, then: [{ type: 'Normal' }] });
  assert.equal([await chat(h.fleet), await chat(h.fleet), await chat(h.fleet)], [502, 502, 200]);
});

async function probabilityPattern(seed: number): Promise<string> {
  const w = await wireFleet({ seed });
  try {
    await setBehavior(w.fleet, w.port, { type: 'HttpError', probability: 0.5 });
    let out = '';
    for (let i = 0; i < 16; i++) out += (await chat(w.fleet)) === 500 ? 'x' : '.';
    return out;
  } finally {
    await w.close();
  }
}

test('probability: reproducible across fresh fleets with the same seed, different with another seed', async () => {
  const a = await probabilityPattern(1);
  const b = await probabilityPattern(1);
  const c = await probabilityPattern(2);
  assert.is(a, b);
  assert.is.not(a, c);
  assert.ok(a.includes('x') && a.includes('.'), a);
});

test('probability is keyed per server: two servers of one fleet draw independently but reproducibly', async () => {
  const w = await wireFleet({ servers: 2, seed: 5 });
  try {
    await setBehavior(w.fleet, { all: true }, { type: 'HttpError', probability: 0.5 });
    const pattern = async (port: number) => {
      let out = '';
      for (let i = 0; i < 16; i++) out += (await chat(w.fleet, 'test-model', port)) === 500 ? 'x' : '.';
      return out;
    };
    const [p0, p1] = w.fleet.ports;
    assert.is.not(await pattern(p0), await pattern(p1));
  } finally {
    await w.close();
  }
});

test.run();
