// --workers: a fleet spread over worker threads behaves as one fleet. Every control suite
// (test/control/, the dashboard's endpoints and events) runs again against fleets on two workers; then what only threads can break: a
// behavior reaching the worker that holds its port, one journal cursor over all workers, a
// worker that dies, bad settings.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readdirSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startFleet, ValidationError } from '../../simulator/index.js';
import { WorkerFleet } from '../../simulator/hosts/worker-fleet.js';
import { exited } from '../helpers.js';
import { hubStub } from '../agent/hub-stub.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const FAST = { tokens_per_sec: 500, load_ms: 0, num_tokens: 8 };
let fleet: WorkerFleet | null = null;

test.after.each(async () => {
  await fleet?.stop();
  fleet = null;
});

async function twoWorkers(servers = 4): Promise<WorkerFleet> {
  const f = await startFleet({ servers, workers: 2, controlPort: 0, defaults: FAST });
  assert.instance(f, WorkerFleet);
  return (fleet = f as WorkerFleet);
}

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(fleet!.controlUrl + path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

async function chat(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'test-model', messages: [{ role: 'user', content: 'hi' }], stream: false }) });
  await res.arrayBuffer();
  return res.status;
}

/** Every suite that steers its fleets through the control API only: the control API, and the dashboard's endpoints and /events. */
const CONTROL_SUITES = [
  ...readdirSync(`${root}/test/control`).filter((f) => f.endsWith('.test.ts')).map((f) => `test/control/${f}`),
  'test/dashboard/events.test.ts',
  'test/dashboard/endpoints.test.ts',
];

for (const file of CONTROL_SUITES) {
  test(`${file} passes with every fleet on 2 worker threads`, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, env: { ...process.env, OLLAMA_SIM_TEST_WORKERS: '2' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    assert.is(await exited(child), 0, out);
    assert.match(out, /Passed:\s+[1-9]/);
  });
}

test('the servers are spread over the workers, and each answers from its own thread', async () => {
  const f = await twoWorkers(4);
  assert.equal(f.hosts.map((h) => h.ports.length), [2, 2]);
  assert.equal(f.ports, [...f.hosts[0].ports, ...f.hosts[1].ports].sort((a, b) => a - b));
  for (const p of f.ports) assert.is(await chat(p), 200);
});

test('a behavior set on a port of worker 2 applies there and nowhere else; a selector across workers keeps its order', async () => {
  const f = await twoWorkers(4);
  const [p1] = f.hosts[0].ports;
  const [p2] = f.hosts[1].ports;
  let r = await control('POST', '/behavior', { port: p2, behavior: { type: 'HttpError', status_code: 503 } });
  assert.is(r.status, 200);
  assert.equal(r.json.ports, [p2]);
  assert.is(await chat(p2), 503);
  assert.is(await chat(p1), 200);
  const status = await control('GET', '/status');
  assert.equal(status.json.servers.find((s: any) => s.port === p2).behavior.type, 'HttpError');
  assert.equal(status.json.servers.find((s: any) => s.port === p1).behavior.type, 'Normal');
  r = await control('POST', '/behavior', { port: [p2, p1], behavior: { type: 'Hang' } });
  assert.equal(r.json.ports, [p2, p1]);
  r = await control('POST', '/behavior', { port: 1, behavior: { type: 'Hang' } });
  assert.is(r.status, 404);
  assert.match(r.json.error, new RegExp(f.ports.join(', ')), 'the 404 lists the servers of every worker');
});

test('journal records of every worker come back in id order, with one cursor to page through them', async () => {
  const f = await twoWorkers(4);
  const before = f.cursor;
  await Promise.all(f.ports.flatMap((p) => [chat(p), chat(p), chat(p)]));
  const all = (await control('GET', `/journal?since=${before}`)).json;
  assert.is(all.records.length, 12);
  const ids = all.records.map((r: any) => r.id);
  assert.equal(ids, [...ids].sort((a: number, b: number) => a - b));
  assert.is(new Set(ids).size, 12);
  assert.is(new Set(all.records.map((r: any) => r.server)).size, 4, 'records of all four servers');
  assert.is(all.cursor, f.cursor);
  const paged: number[] = [];
  for (let since = before; ; ) {
    const page = (await control('GET', `/journal?since=${since}&limit=5`)).json;
    paged.push(...page.records.map((r: any) => r.id));
    if (page.records.length < 5) break;
    since = page.cursor;
  }
  assert.equal(paged, ids);
  const next = f.cursor;
  await chat(f.hosts[1].ports[1]);
  const fresh = (await control('GET', `/journal?since=${next}`)).json.records;
  assert.equal(fresh.map((r: any) => r.server), [f.hosts[1].ports[1]]);
  const ended = await f.waitForRecord((r) => r.server === f.hosts[1].ports[1] && r.id > next);
  assert.is(ended.status, 200);
});

test('node agents on both workers: their heartbeats come back through one cursor; POST /agent reaches the one on worker 2', async () => {
  const hub = await hubStub();
  try {
    fleet = (await startFleet({ servers: 2, workers: 2, controlPort: 0, defaults: { ...FAST, hub_url: hub.url, heartbeat_interval: '100ms' } })) as WorkerFleet;
    const [p1, p2] = [fleet.hosts[0].ports[0], fleet.hosts[1].ports[0]];
    await fleet.waitForHeartbeat((h) => h.server === p1);
    await fleet.waitForHeartbeat((h) => h.server === p2);
    const beats = (await control('GET', '/heartbeats')).json.heartbeats;
    const ids = beats.map((h: any) => h.id);
    assert.equal(ids, [...ids].sort((a: number, b: number) => a - b));
    assert.ok(beats.some((h: any) => h.server === p1) && beats.some((h: any) => h.server === p2));
    const r = await control('POST', '/agent', { port: p2, heartbeats: false });
    assert.is(r.status, 200);
    assert.equal(r.json.agents.map((a: any) => a.heartbeats), ['off']);
    assert.is((await control('POST', '/agent', { port: p1, heartbeats: 'x' })).json.field, 'heartbeats');
  } finally {
    await fleet?.stop();
    fleet = null;
    await hub.close();
  }
});

test('the job API of a server on worker 2: a job is created, runs and is listed there', async () => {
  const f = await twoWorkers(2);
  const url = `http://127.0.0.1:${f.hosts[1].ports[0]}`;
  const created = await (await fetch(`${url}/v1/jobs`, { method: 'POST', body: JSON.stringify({ op: 'llm.chat', simulate: { mode: 'ok' } }) })).json() as { id: string };
  const list = await (await fetch(`${url}/v1/jobs`)).json() as { jobs: Array<{ id: string }>; total: number };
  assert.equal(list.jobs.map((j) => j.id), [created.id]);
  const record = await f.waitForRecord((r) => r.method === 'JOB' && r.path === `/v1/jobs/${created.id}`);
  assert.is(record.server, f.hosts[1].ports[0]);
});

test('a worker that dies is reported by number and ports, and its requests fail at once instead of hanging', async () => {
  const f = await twoWorkers(4);
  const lost = [...f.hosts[1].ports];
  const crash = new Promise<Error>((resolve) => f.once('crash', resolve));
  await f.hosts[1].kill();
  const e = await crash;
  assert.match(e.message, new RegExp(`worker 2 \\(ports ${lost.join(', ')}\\) exited`));
  let r = await control('POST', '/servers/' + lost[0] + '/down');
  assert.is(r.status, 503);
  assert.match(r.json.error, /worker 2/);
  r = await control('GET', '/status');
  assert.is(r.status, 503);
  assert.match(r.json.error, /worker 2 .*exited/);
  assert.is(await chat(f.hosts[0].ports[0]), 200, 'the other worker still serves');
});

test('bad `workers` settings are errors naming the field and the allowed values', async () => {
  for (const bad of [-1, 1.5, 100_000]) {
    const err = await startFleet({ servers: 2, workers: bad }).then(() => null, (e: unknown) => e);
    assert.instance(err, ValidationError);
    assert.is((err as ValidationError).field, 'workers');
    assert.match((err as Error).message, /field 'workers' must be a whole number from 0 to \d+/);
  }
});

test.run();
