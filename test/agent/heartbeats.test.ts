// Node-agent mode: heartbeats in seed 002's shape to a real HTTP hub, their load derived from the
// server's state, the journal of each heartbeat and the hub's answer, and heartbeats that follow
// the listener and end with the server. Waits are on heartbeat records, each with a deadline.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startFleet, type Fleet } from '../../simulator/index.js';
import type { HeartbeatRecord } from '../../simulator/journal/record.js';
import { SimServer } from '../../simulator/server.js';
import { hubStub, rejects, type HubStub } from './hub-stub.js';

let hub: HubStub;
let fleet: Fleet | null = null;

test.before.each(async () => {
  hub = await hubStub();
});

test.after.each(async () => {
  await fleet?.stop();
  fleet = null;
  await hub.close();
});

async function agents(n: number, defaults: Record<string, unknown> = {}, interval: string | number = '100ms'): Promise<Fleet> {
  fleet = await startFleet({ servers: n, controlPort: null, defaults: { hub_url: hub.url, heartbeat_interval: interval, load_ms: 0, ...defaults } });
  return fleet;
}

const answered = (port: number) => (h: HeartbeatRecord) => h.server === port && h.outcome === 'answered';

test('the first heartbeat goes out at once, in seed 002 shape, and the journal keeps the hub answer', async () => {
  const f = await agents(2, { models: ['test-model', 'qwen3:8b'] }, '30s');
  const [a, b] = f.ports;
  const ha = await f.waitForHeartbeat(answered(a), 3000);
  await f.waitForHeartbeat(answered(b), 3000);
  assert.equal(Object.keys(ha.payload), ['node_id', 'ipv4', 'ipv6', 'port', 'models', 'metadata', 'load', 'active_jobs']);
  assert.equal(ha.payload, {
    node_id: `node-${a}`, ipv4: '127.0.0.1', ipv6: null, port: a,
    models: ['test-model:latest', 'qwen3:8b'], metadata: { hostname: `server-${a}` },
    load: { cpu: 0, memory: 0 }, active_jobs: 0,
  });
  assert.is(ha.nodeId, `node-${a}`);
  assert.is(ha.url, `${hub.url}/nodes/heartbeat`);
  assert.is(ha.status, 200);
  assert.equal(JSON.parse(ha.answer), { node_id: `node-${a}`, status: 'ok' });
  assert.ok(ha.latencyMs !== null && ha.latencyMs >= 0 && ha.endedAt! >= ha.sentAt);
  assert.equal(ha.overridden, []);
  // The hub got exactly what the journal says was sent.
  assert.ok(hub.beats.some((b) => JSON.stringify(b) === JSON.stringify(ha.payload)));
  assert.equal(new Set(hub.beats.map((b) => b.node_id)), new Set([`node-${a}`, `node-${b}`]));
});

test('the next heartbeat comes an interval after the previous one ended, never two at a time', async () => {
  const f = await agents(1, {}, '150ms');
  const [port] = f.ports;
  const first = await f.waitForHeartbeat(answered(port), 3000);
  const second = await f.waitForHeartbeat((h) => answered(port)(h) && h.id > first.id, 3000);
  assert.ok(second.sentAt - first.endedAt! >= 148, `second sent ${second.sentAt - first.endedAt!} ms after the first ended`);
});

test('an interval past Node\'s 24.8-day timer limit is waited out, not fired at once (found by the fuzz campaign)', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    const f = await agents(1, {}, 1e21); // seconds
    const [port] = f.ports;
    await f.waitForHeartbeat(answered(port), 3000);
    // An overflowed timer fires after 1 ms, so the beats would follow each other as fast as the hub answers.
    await new Promise((r) => setTimeout(r, 300));
    assert.is(f.heartbeats({ port }).length, 1);
    assert.equal(warnings, []);
  } finally {
    process.off('warning', onWarning);
  }
});

test('a hub that answers 500 or is not there: status and error in the journal', async () => {
  const f = await agents(1);
  const [port] = f.ports;
  hub.answerStatus = 500;
  const since = f.cursor;
  const bad = await f.waitForHeartbeat((h) => h.server === port && h.status === 500, 3000, since);
  assert.is(bad.outcome, 'answered');
  assert.equal(JSON.parse(bad.answer), { detail: 'stub says no' });
  await hub.close();
  const refused = await f.waitForHeartbeat((h) => h.server === port && h.outcome === 'failed', 3000, f.cursor);
  assert.is(refused.error, 'ECONNREFUSED');
  assert.is(refused.status, null);
  hub = await hubStub(); // for after.each
});

test('load comes from busy slots and loaded models; active_jobs counts /execute jobs in flight', async () => {
  const f = await agents(1, { num_parallel: 2, max_loaded_models: 4, tokens_per_sec: 20, num_tokens: 40 });
  const [port] = f.ports;
  const url = f.urls[0];
  const direct = fetch(`${url}/api/generate`, { method: 'POST', body: JSON.stringify({ model: 'test-model', prompt: 'a long answer' }) });
  const job = fetch(`${url}/execute`, { method: 'POST', body: JSON.stringify({ job_id: 'j1', model: 'llama3.2', prompt: 'another', stream: true }) });
  const busy = await f.waitForHeartbeat((h) => answered(port)(h) && (h.payload.load as { cpu: number }).cpu === 1, 5000);
  assert.equal(busy.payload.load, { cpu: 1, memory: 0.5 });
  assert.is(busy.payload.active_jobs, 1);
  await Promise.all([direct, job].map(async (p) => (await p).text()));
  const idle = await f.waitForHeartbeat((h) => answered(port)(h) && h.id > busy.id && h.payload.active_jobs === 0 && (h.payload.load as { cpu: number }).cpu === 0, 5000);
  assert.equal(idle.payload.load, { cpu: 0, memory: 0.5 }); // both models stay loaded (keep_alive)
});

test('a closed listener is a dead agent: no heartbeats while down, one at once when it is up again', async () => {
  const f = await agents(1, {}, '20s');
  const [port] = f.ports;
  const server = f.server(port);
  await f.waitForHeartbeat(answered(port), 3000);
  server.adminDown = true;
  await server.syncListener();
  assert.match(JSON.stringify(server.status().agent), /paused \(listener closed\)/);
  const downSince = f.cursor;
  server.adminDown = false;
  await server.syncListener();
  // The interval is 20 s: a heartbeat within 3 s of reopening is the start-up one.
  const back = await f.waitForHeartbeat(answered(port), 3000, downSince);
  assert.ok(back.id > downSince);
  assert.equal(f.heartbeats({ port }).length, 2);
});

test('heartbeats end with the server: none after removeServer or fleet.stop', async () => {
  const f = await agents(2, {}, '50ms');
  const [a, b] = f.ports;
  await f.waitForHeartbeat(answered(a), 3000);
  await f.waitForHeartbeat(answered(b), 3000);
  await f.removeServer(a);
  const afterRemove = hub.beats.filter((x) => x.port === a).length;
  await fleet!.stop();
  fleet = null;
  const afterStop = hub.beats.length;
  // Ten intervals of silence: any timer left behind would have fired by now.
  await new Promise((r) => setTimeout(r, 500));
  assert.is(hub.beats.filter((x) => x.port === a).length, afterRemove);
  assert.is(hub.beats.length, afterStop);
});

test('node_id: default node-{port}, a template, one id per fleet, kept across a restart on a new port', async () => {
  const f = await agents(1, { node_id: 'gpu-{port}' });
  const [port] = f.ports;
  await f.waitForHeartbeat(answered(port), 3000);
  assert.is(f.server(port).settings.node_id, `gpu-${port}`);
  await rejects(f.addServer({ node_id: `gpu-${port}` }), /node_id 'gpu-\d+' is already the id of the node agent on port \d+/);
  const moved = await f.restartServer(port);
  assert.is.not(moved.port, port);
  const beat = await f.waitForHeartbeat(answered(moved.port), 3000);
  assert.is(beat.payload.node_id, `gpu-${port}`);
  assert.is(beat.payload.port, moved.port);
});

test('a free port whose node-{port} a restarted agent still carries: the new agent takes another port, not a 409 (found by the fuzz campaign)', async () => {
  const f = await agents(1, {}, '1h');
  const [port] = f.ports;
  const moved = await f.restartServer(port); // keeps node-PORT; PORT is free again
  // The OS picks free ports at random; make its first pick the freed one, as it happened in the fuzz campaign.
  const start = SimServer.prototype.start;
  let picks = 0;
  SimServer.prototype.start = function (this: SimServer) {
    if (picks++ === 0) this.port = port;
    return start.call(this);
  };
  try {
    const added = await f.addServer({ port: 0 });
    assert.is(picks, 2, 'a second port was tried');
    assert.is.not(added.port, port);
    assert.is(added.settings.node_id, `node-${added.port}`);
    assert.equal(f.ports, [moved.port, added.port].sort((a, b) => a - b));
  } finally {
    SimServer.prototype.start = start;
  }
  // Asked for by number, the port is the caller's choice and the clash is theirs to fix.
  await rejects(f.addServer({ port }), new RegExp(`node_id 'node-${port}' is already the id of the node agent on port ${moved.port}`));
});

test('bad agent settings: 400-style errors naming the field', async () => {
  const f = await agents(1);
  await rejects(f.addServer({ hub_url: 'ftp://x' }), /field 'hub_url' must be an http:\/\/ or https:\/\/ URL/);
  await rejects(f.addServer({ hub_url: 'not a url' }), /field 'hub_url'/);
  await rejects(f.addServer({ hub_url: hub.url, heartbeat_interval: '1ms' }), /field 'heartbeat_interval' must be at least 10ms/);
  await rejects(f.addServer({ hub_url: hub.url, heartbeat_interval: 'soon' }), /heartbeat_interval/);
  await rejects(startFleet({ servers: 1, controlPort: null, defaults: { node_id: 'x' } }), /field 'node_id' needs 'hub_url'/);
  await rejects(startFleet({ servers: 1, controlPort: null, defaults: { heartbeat_interval: 5 } }), /field 'heartbeat_interval' needs 'hub_url'/);
});

test.run();
