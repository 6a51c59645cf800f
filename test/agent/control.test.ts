// The node-agent controls over the real control API: heartbeats off (a silent node that still
// serves) and on, lies in the heartbeat (a model it lacks, load 0 while busy), one heartbeat now,
// the heartbeat journal, agents added and restarted on a new port, and every bad input a 400.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startFleet, type Fleet } from '../../simulator/index.js';
import { control } from '../behaviors/wire.js';
import { hubStub, type HubStub } from './hub-stub.js';

let hub: HubStub;
let fleet: Fleet;

test.before.each(async () => {
  hub = await hubStub();
  fleet = await startFleet({ servers: 2, controlPort: 0, defaults: { hub_url: hub.url, heartbeat_interval: '100ms', load_ms: 0, models: ['test-model'] } });
});

test.after.each(async () => {
  await fleet.stop();
  await hub.close();
});

const answeredBy = (port: number, since: number) => fleet.waitForHeartbeat((h) => h.server === port && h.outcome === 'answered', 3000, since);

test('heartbeats off: a silent node that still serves; on: one at once', async () => {
  const [a] = fleet.ports;
  await answeredBy(a, 0);
  const r = await control(fleet, 'POST', '/agent', { port: a, heartbeats: false });
  assert.is(r.status, 200);
  assert.equal(r.json.ports, [a]);
  assert.is(r.json.agents[0].heartbeats, 'off');
  const off = fleet.cursor;
  // Five intervals without a heartbeat from it (one already in flight may still end).
  await new Promise((res) => setTimeout(res, 500));
  assert.ok(fleet.heartbeats({ port: a, since: off }).length === 0, 'no heartbeat sent while off');
  const job = await fetch(`http://127.0.0.1:${a}/execute`, { method: 'POST', body: JSON.stringify({ job_id: 'j', model: 'test-model:latest', prompt: 'hi', stream: false }) });
  assert.is(job.status, 200, 'a silent node still serves jobs');
  await job.text();
  await control(fleet, 'POST', '/agent', { port: a, heartbeats: true });
  await answeredBy(a, off);
});

test('advertise lies: a model it lacks, load 0 and no jobs while busy; null is the truth again', async () => {
  const [a] = fleet.ports;
  let r = await control(fleet, 'POST', '/agent', { port: a, advertise: { extra_models: ['ghost:latest'], load: { cpu: 0, memory: 0 }, active_jobs: 0 } });
  assert.is(r.status, 200);
  const busy = fetch(`http://127.0.0.1:${a}/execute`, { method: 'POST', body: JSON.stringify({ job_id: 'j', model: 'test-model:latest', prompt: 'hi', options: { num_predict: 30 } }) });
  fleet.setBehavior(a, { type: 'Slow', tokens_per_sec: 20 });
  const since = fleet.cursor;
  r = await control(fleet, 'POST', '/agent/beat', { port: a });
  assert.is(r.status, 200);
  const lie = r.json.heartbeats[0];
  assert.is(lie.outcome, 'answered');
  assert.ok(lie.id > since);
  assert.equal(lie.payload.models, ['test-model:latest', 'ghost:latest']);
  assert.equal(lie.payload.load, { cpu: 0, memory: 0 });
  assert.is(lie.payload.active_jobs, 0);
  assert.equal(lie.overridden, ['models', 'load', 'active_jobs']);
  assert.is(fleet.server(a).slots.busySlots, 1, 'it was busy while it said load 0');
  await control(fleet, 'POST', '/agent', { port: a, advertise: null });
  r = await control(fleet, 'POST', '/agent/beat', { port: a });
  assert.equal(r.json.heartbeats[0].payload.models, ['test-model:latest']);
  assert.equal(r.json.heartbeats[0].payload.load.cpu, 1);
  assert.equal(r.json.heartbeats[0].payload.active_jobs, 1);
  assert.equal(r.json.heartbeats[0].overridden, []);
  fleet.setBehavior(a, { type: 'Normal' });
  await (await busy).text();
});

test('GET /heartbeats (port, since, limit, cursor) and DELETE /heartbeats', async () => {
  const [a, b] = fleet.ports;
  await answeredBy(a, 0);
  await answeredBy(b, 0);
  let r = await control(fleet, 'GET', `/heartbeats?port=${a}`);
  assert.is(r.status, 200);
  assert.ok(r.json.heartbeats.length >= 1 && r.json.heartbeats.every((h: { server: number }) => h.server === a));
  r = await control(fleet, 'GET', '/heartbeats?limit=1');
  assert.is(r.json.heartbeats.length, 1);
  assert.is(r.json.cursor, r.json.heartbeats[0].id);
  const next = await control(fleet, 'GET', `/heartbeats?since=${r.json.cursor}`);
  assert.ok(next.json.heartbeats.every((h: { id: number }) => h.id > r.json.cursor));
  assert.is((await control(fleet, 'DELETE', `/heartbeats?port=${a}`)).status, 200);
  assert.ok(fleet.heartbeats({ port: a }).every((h) => h.outcome === 'in_progress' || h.id > r.json.cursor));
  assert.is((await control(fleet, 'DELETE', '/heartbeats')).status, 200);
  assert.is((await control(fleet, 'GET', '/heartbeats?port=1')).status, 404);
  assert.is((await control(fleet, 'GET', '/heartbeats?limit=0')).status, 400);
});

test('POST /servers with hub_url starts an agent; restart brings it back under its id on a new port', async () => {
  let r = await control(fleet, 'POST', '/servers', { port: 0, hub_url: hub.url, heartbeat_interval: 0.1, node_id: 'late-node' });
  assert.is(r.status, 201);
  assert.is(r.json.agent.node_id, 'late-node');
  const old = r.json.port;
  await answeredBy(old, 0);
  r = await control(fleet, 'POST', `/servers/${old}/restart`, {});
  assert.is(r.status, 201);
  assert.is.not(r.json.port, old);
  assert.is(r.json.agent.node_id, 'late-node');
  const beat = await answeredBy(r.json.port, 0);
  assert.equal([beat.payload.node_id, beat.payload.port], ['late-node', r.json.port]);
  r = await control(fleet, 'POST', '/servers', { port: 0, hub_url: hub.url, node_id: 'late-node' });
  assert.is(r.status, 409);
  assert.is(r.json.field, 'node_id');
  const status = await control(fleet, 'GET', '/status');
  assert.ok(status.json.servers.every((s: { agent: { hub_url: string } }) => s.agent.hub_url === `${hub.url}/`));
});

test('POST /agent/beat on a closed listener is a 409; POST /reset makes every agent honest and heartbeating', async () => {
  const [a] = fleet.ports;
  await control(fleet, 'POST', `/servers/${a}/down`);
  let r = await control(fleet, 'POST', '/agent/beat', { port: a });
  assert.is(r.status, 409);
  assert.match(r.json.error, /listener of port \d+ is closed/);
  await control(fleet, 'POST', '/agent', { port: { all: true }, heartbeats: false, advertise: { extra_models: ['ghost'] } });
  const since = fleet.cursor;
  r = await control(fleet, 'POST', '/reset');
  assert.is(r.status, 200);
  const back = await answeredBy(a, since);
  assert.equal(back.overridden, []);
});

test('bad input: 400 naming the field; 404 for an unknown port', async () => {
  const [a] = fleet.ports;
  const plain = (await control(fleet, 'POST', '/servers', { port: 0, hub_url: null })).json.port;
  const cases: Array<[unknown, number, string]> = [
    [{ port: plain, heartbeats: false }, 400, 'port'],
    [{ port: a }, 400, 'heartbeats'],
    [{ port: a, heartbeats: 'no' }, 400, 'heartbeats'],
    [{ port: a, heartbeat: false }, 400, 'heartbeat'],
    [{ port: a, advertise: { models: ['x'] } }, 400, 'models'],
    [{ port: a, advertise: { load: { cpu: 2, memory: 0 } } }, 400, 'cpu'],
    [{ port: a, advertise: { load: { cpu: 0.5 } } }, 400, 'load'],
    [{ port: a, advertise: { extra_models: 'ghost' } }, 400, 'extra_models'],
    [{ port: 1, heartbeats: false }, 404, 'port'],
    [{ heartbeats: false }, 400, 'port'],
  ];
  for (const [body, status, field] of cases) {
    const r = await control(fleet, 'POST', '/agent', body);
    assert.is(r.status, status, JSON.stringify(body));
    assert.is(r.json.field, field, JSON.stringify(body));
  }
});

test.run();
