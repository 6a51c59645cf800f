// The reference hub (examples/reference-hub), run as a real child process, with a simulated fleet
// in node-agent mode registering with it. Every wait is for a log line, a heartbeat record or a
// polled condition under a deadline; the hub and the fleet are stopped in test.after.each.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { startFleet, type Fleet, type ServerOverrides } from '../simulator/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const MAIN = 'examples/reference-hub/main.ts';
const cleanups: Array<() => unknown> = [];

test.after.each(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

interface Hub {
  url: string;
  lines: string[];
  waitForLine(re: RegExp): Promise<string>;
  stop(): Promise<number | undefined>;
}

async function until<T>(fn: () => T | Promise<T>, ms: number, what: string): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function startHub(args: string[] = []): Promise<Hub> {
  const child = execa('node', ['--import', 'tsx', MAIN, '--port', '0', ...args], { cwd: root, reject: false, buffer: false, stdin: 'ignore', forceKillAfterDelay: 3000 });
  const lines: string[] = [];
  let partial = '';
  child.stdout!.on('data', (c: Buffer) => {
    const parts = (partial + c.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  let stopped: Promise<number | undefined> | undefined;
  const stop = () => {
    if (!stopped) {
      child.kill('SIGTERM');
      stopped = child.then((r) => r.exitCode);
    }
    return stopped;
  };
  cleanups.push(stop);
  const waitForLine = (re: RegExp) => until(() => lines.find((l) => re.test(l)), 10_000, `a hub log line matching ${re}; log:\n${lines.join('\n')}`);
  const listening = await waitForLine(/^listening on http:\/\/\S+$/);
  return { url: listening.slice('listening on '.length), lines, waitForLine, stop };
}

async function agents(hub: Hub, servers: Array<ServerOverrides>, defaults: ServerOverrides = {}): Promise<Fleet> {
  const fleet = await startFleet({
    servers: servers.map((s) => ({ port: 0, ...s })),
    controlPort: null,
    defaults: { hub_url: hub.url, heartbeat_interval: '100ms', load_ms: 0, tokens_per_sec: 300, num_tokens: 5, ...defaults },
  });
  cleanups.push(() => fleet.stop());
  await Promise.all(fleet.ports.map((p) => fleet.waitForHeartbeat((h) => h.server === p && h.status === 200, 5000)));
  return fleet;
}

async function call(hub: Hub, method: string, path: string, body?: unknown): Promise<{ status: number; type: string | null; json: any; text: string; node: string | null }> {
  const res = await fetch(hub.url + path, { method, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    // NDJSON
  }
  return { status: res.status, type: res.headers.get('content-type'), json, text, node: res.headers.get('x-hub-node') };
}

const job = (extra: Record<string, unknown> = {}) => ({ model: 'test-model:latest', prompt: 'Why is the sky blue?', stream: false, ...extra });

test('heartbeats register nodes; GET /nodes and /nodes/{id} in the seed hub shape', async () => {
  const hub = await startHub();
  const fleet = await agents(hub, [{ models: ['test-model', 'qwen3:8b'] }]);
  const [port] = fleet.ports;
  const r = await call(hub, 'GET', '/nodes');
  assert.is(r.status, 200);
  assert.is(r.json.length, 1);
  const n = r.json[0];
  assert.equal(Object.keys(n), ['node_id', 'ipv4', 'ipv6', 'port', 'models', 'metadata', 'load', 'last_seen', 'status', 'active_jobs', 'failure_count']);
  assert.equal([n.node_id, n.ipv4, n.ipv6, n.port, n.models, n.status], [`node-${port}`, '127.0.0.1', null, port, ['test-model:latest', 'qwen3:8b'], 'online']);
  assert.match(n.last_seen, /^\d{4}-\d\d-\d\dT/);
  assert.equal((await call(hub, 'GET', `/nodes/node-${port}`)).json.node_id, `node-${port}`);
  assert.equal(await call(hub, 'GET', '/nodes/nope').then((x) => [x.status, x.json]), [404, { detail: 'Node not found' }]);
  assert.equal((await call(hub, 'GET', '/healthz')).json, { status: 'ok' });
  await hub.waitForLine(new RegExp(`^node node-${port} registered at http://127\\.0\\.0\\.1:${port} \\(models: test-model:latest, qwen3:8b\\)$`));
});

test('bad heartbeats and jobs are 422 with every problem; a heartbeat without ipv4 takes the remote address', async () => {
  const hub = await startHub();
  let r = await call(hub, 'POST', '/nodes/heartbeat', { port: 70000, models: 'x' });
  assert.is(r.status, 422);
  assert.equal(r.json.detail.map((d: { loc: string[] }) => d.loc[1]), ['node_id', 'port', 'models']);
  r = await call(hub, 'POST', '/nodes/heartbeat', { node_id: 'n1', port: 9 });
  assert.equal(r.json, { node_id: 'n1', status: 'ok' });
  assert.is((await call(hub, 'GET', '/nodes/n1')).json.ipv4, '127.0.0.1');
  r = await call(hub, 'POST', '/jobs', { prompt: 'x', stream: 'yes' });
  assert.is(r.status, 422);
  assert.equal(r.json.detail.map((d: { type: string }) => d.type), ['missing', 'bool_type']);
  assert.equal((await call(hub, 'POST', '/jobs', '{oops')).json.detail[0].type, 'json_invalid');
  assert.equal((await call(hub, 'GET', '/jobs')).status, 405);
});

test('a job is answered by the node as it streams; no node for the model is a 503 with the seed text', async () => {
  const hub = await startHub();
  const fleet = await agents(hub, [{}]);
  let r = await call(hub, 'POST', '/jobs', job({ stream: true }));
  assert.is(r.status, 200);
  assert.is(r.type, 'application/x-ndjson');
  assert.is(r.node, `node-${fleet.ports[0]}`);
  const lines = r.text.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(lines[lines.length - 1].done, true);
  const exec = fleet.journal().filter((x) => x.path === '/execute');
  assert.is(exec.length, 1);
  assert.match(exec[0]!.body, /"job_id":"[0-9a-f-]{36}"/);
  r = await call(hub, 'POST', '/jobs', job({ model: 'nope:latest' }));
  assert.equal([r.status, r.json], [503, { detail: 'No healthy nodes available for requested model' }]);
});

test('every node failing: 503 with each node error and the job id; three failures make a node degraded', async () => {
  const hub = await startHub(['--degraded-ms', '60000']);
  const fleet = await agents(hub, [{}, {}]);
  fleet.setBehavior('all', { type: 'HttpError', endpoints: ['/execute'] });
  const r = await call(hub, 'POST', '/jobs', job());
  assert.is(r.status, 503);
  assert.is(r.json.detail.message, 'All candidate nodes failed to execute the job');
  assert.match(r.json.detail.job_id, /^[0-9a-f-]{36}$/);
  assert.equal(r.json.detail.errors.map((e: { status: number }) => e.status), [502, 502]);
  assert.equal(new Set(r.json.detail.errors.map((e: { node_id: string }) => e.node_id)), new Set(fleet.ports.map((p) => `node-${p}`)));
  await call(hub, 'POST', '/jobs', job());
  await call(hub, 'POST', '/jobs', job());
  const nodes = (await call(hub, 'GET', '/nodes')).json;
  assert.equal(nodes.map((n: { status: string }) => n.status), ['degraded', 'degraded']);
  assert.equal((await call(hub, 'POST', '/jobs', job())).json, { detail: 'No healthy nodes available for requested model' });
  await hub.waitForLine(/^node node-\d+ degraded after 3 failures, for 60000 ms$/);
});

test('a failure after the first byte is not retried: the client gets a broken stream, the journal one attempt', async () => {
  const hub = await startHub();
  const fleet = await agents(hub, [{}, {}]);
  fleet.setBehavior('all', { type: 'FailMidStream', tokens_before_fail: 2, endpoints: ['/execute'] });
  const res = await fetch(hub.url + '/jobs', { method: 'POST', body: JSON.stringify(job({ stream: true })) });
  assert.is(res.status, 200);
  const error = await res.text().then(() => null, (e: Error) => e.message);
  assert.ok(error !== null, 'the body should break, not end cleanly');
  await until(() => fleet.journal().filter((x) => x.path === '/execute').every((x) => x.outcome !== 'in_progress'), 3000, 'the attempt to end');
  assert.is(fleet.journal().filter((x) => x.path === '/execute').length, 1);
});

test('TTL: a silent node is offline (no jobs), then removed', async () => {
  const hub = await startHub(['--ttl-ms', '400', '--remove-ms', '900']);
  const fleet = await agents(hub, [{}]);
  const [port] = fleet.ports;
  fleet.agent(port).setHeartbeats(false);
  await until(async () => (await call(hub, 'GET', `/nodes/node-${port}`)).json.status === 'offline', 3000, 'the node to be offline');
  assert.equal((await call(hub, 'POST', '/jobs', job())).json, { detail: 'No healthy nodes available for requested model' });
  await until(async () => (await call(hub, 'GET', '/nodes')).json.length === 0, 3000, 'the node to be removed');
  await hub.waitForLine(new RegExp(`^node node-${port} removed: no heartbeat for \\d+ ms$`));
  fleet.agent(port).setHeartbeats(true);
  await until(async () => (await call(hub, 'GET', `/nodes/node-${port}`)).json?.status === 'online', 3000, 'the node to register again');
});

test('every node full: a job waits in the queue and is served; past --max-queue it is a 503 at once', async () => {
  const hub = await startHub(['--max-queue', '1']);
  const fleet = await agents(hub, [{}], { tokens_per_sec: 20, num_tokens: 10 });
  const jobs = [1, 2, 3].map((i) => call(hub, 'POST', '/jobs', job({ prompt: `job ${i}` })));
  const results = await Promise.all(jobs);
  assert.equal(results.map((r) => r.status).sort(), [200, 200, 503]);
  assert.equal(results.find((r) => r.status === 503)!.json, { detail: 'All nodes are busy and the job queue is full (1 waiting)' });
  await hub.waitForLine(/^job \S+ queued: every node with model test-model:latest is busy \(1 waiting\)$/);
  assert.is(fleet.journal().filter((x) => x.path === '/execute').length, 2);
});

test('usage: an unknown defect is one line and exit 2; SIGTERM exits 0', async () => {
  const bad = await execa('node', ['--import', 'tsx', MAIN, '--defect', 'nope'], { cwd: root, reject: false });
  assert.is(bad.exitCode, 2);
  assert.match(bad.stderr, /^reference-hub: unknown defect 'nope'; valid: no-ttl, /);
  const hub = await startHub();
  assert.is(await hub.stop(), 0);
});

test.run();
