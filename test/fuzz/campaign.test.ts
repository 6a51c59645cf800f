// The fuzz campaign: every route a server answers (Ollama's, the job API's, a node agent's POST
// /execute) and every control endpoint, each on its own server of a real `ollama-sim` process (the
// built CLI, so a crash is a dead process, not a dead test), gets malformed JSON, other JSON
// values, wrong types, huge and negative numbers, invalid UTF-8, truncated JSON, 5 MB and 50 MB
// bodies, a connection that ends inside its body and headers that trickle in byte by byte; routes
// with path parameters, queries or headers get bad ones. It counts crashes, answers missing after
// 5 s, 5xx (split into the ones the real programs give too and any other), 413s naming the limit,
// and error answers that do not name the broken field, prints the table the README shows, and
// requires 0 of every problem. A route that reads no body must answer a body as it answers none; a
// stream (GET /events) is judged by its head and first event. Native routes also keep Ollama's
// exact wording for empty, malformed and non-object bodies. Node agents report to a hub stub.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually } from '../helpers.js';
import { servedRoutes, type RouteDef } from '../../simulator/api/routes.js';
import { DEFAULT_MAX_BODY_BYTES, type ServerOverrides } from '../../simulator/config.js';
import { buildControlApp } from '../../simulator/control/app.js';
import { CONTROL_MAX_BODY_BYTES } from '../../simulator/control/body-limit.js';
import { Fleet } from '../../simulator/fleet.js';
import { hubStub, type HubStub } from '../agent/hub-stub.js';
import { bigBodies, controlBase, controlCases, EXECUTE_BASE, executeCases, JOB_BASE, jobCases, jobReadCases, ollamaCases, OLLAMA_BASE, type Case } from './inputs.js';
import { count, emptyRow, errorMessage, judge, judgeIgnored, type Row, type Surface } from './tally.js';
import { closeAgents, send, sendSlowly, sendTruncated, type Outcome } from './wire.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const BATCH = 32;
const SLOW_GAP_MS = 8;

// Every route a server may answer: Ollama's, the job API's, and POST /execute (node agents only).
const ROUTES = servedRoutes(true);
const isAgentRoute = (r: RouteDef) => r.envelope === 'agent';
/** Job routes that read no body: the answer to a body must be the answer to none. */
const readsNoBody = (r: RouteDef) => r.envelope === 'jobs' && !(r.method === 'POST' && r.path === '/v1/jobs');

const CONTROL_ROUTES = buildControlApp(new Fleet()).routes
  .filter((r) => r.method !== 'ALL')
  .map((r) => ({ method: r.method, path: r.path }));

interface Sim {
  child: ChildProcess;
  control: string;
  servers: string[];
  stderr: () => string;
  exit: { code: number | null; signal: string | null } | null;
}

const work = mkdtempSync(join(tmpdir(), 'ollama-sim-fuzz-'));
// Fast servers: the campaign measures answers, not pacing.
const FAST: ServerOverrides = { num_parallel: 64, max_queue: 4096, tokens_per_sec: 100_000, prompt_tokens_per_sec: 1_000_000, load_ms: 0, num_tokens: 5 };

/** A simulator with these servers (each on a free port), from a --config file. */
async function startSim(name: string, defaults: ServerOverrides, servers: ServerOverrides[]): Promise<Sim> {
  const portFile = join(work, `${name}.json`);
  const config = join(work, `${name}-fleet.json`);
  writeFileSync(config, JSON.stringify({ defaults, servers: servers.map((s) => ({ ...s, port: 0 })) }));
  const child = spawn(process.execPath, [join(root, 'dist/simulator/cli.js'), '--control-port', '0', '--config', config, '--port-file', portFile, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const sim: Sim = { child, control: '', servers: [], stderr: () => stderr, exit: null };
  child.once('exit', (code, signal) => (sim.exit = { code, signal }));
  const deadline = Date.now() + 20_000;
  while (!existsSync(portFile)) {
    if (sim.exit || Date.now() > deadline) throw new Error(`the ${name} simulator did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  sim.control = (JSON.parse(readFileSync(portFile, 'utf8')) as { control_url: string }).control_url;
  // The port file lists servers by port; the campaign wants them in the order asked for, which
  // here only differs in which are node agents.
  const status = (await (await fetch(`${sim.control}/status`)).json()) as { servers: Array<{ url: string; agent: unknown }> };
  const agents = status.servers.filter((s) => s.agent !== null).map((s) => s.url);
  const plain = status.servers.filter((s) => s.agent === null).map((s) => s.url);
  sim.servers = servers.map((s) => ((s.hub_url ?? defaults.hub_url) !== undefined ? agents.shift()! : plain.shift()!));
  return sim;
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/** A route's path with real values: a model name, the id of a job its server made, a dashboard file. */
const samplePath = (path: string, jobId = '') => path.replace(':id', jobId).replace(':file', 'index.html').replace(/:[A-Za-z_]+/g, 'test-model');

/** Ollama's exact wording on native routes (reference §0.1): what the old fuzz test pinned. */
function nativeWording(route: RouteDef, c: Case, outcome: Outcome): string | null {
  if (route.envelope !== 'native' || route.method === 'GET' || typeof outcome === 'string') return null;
  const message = errorMessage(outcome);
  const got = `${outcome.status} ${JSON.stringify(message)}`;
  if (c.what === 'an empty body') return outcome.status === 400 && message === 'missing request body' ? null : `expected 400 "missing request body", got ${got}`;
  if (c.kind === 'malformed' || c.kind === 'truncated') return outcome.status === 400 && /^(invalid character '.+' .+|unexpected EOF)$/.test(message ?? '') ? null : `expected 400 with Go's syntax error, got ${got}`;
  if (c.kind === 'not-object' && c.what !== 'the JSON value null') return outcome.status === 400 && /^json: cannot unmarshal \w+ into Go value of type api\.\w+$/.test(message ?? '') ? null : `expected 400 "json: cannot unmarshal ...", got ${got}`;
  return null;
}

const rows: Record<Surface, Row> = { ollama: emptyRow(), control: emptyRow() };
const raw = { truncated: { sent: 0, hangs: 0 }, slow: { sent: 0, hangs: 0, slowestMs: 0, othersServedMaxMs: 0 } };
const problems: string[] = [];
const big = bigBodies(OLLAMA_BASE);
let hub: HubStub;
let ollamaSim: Sim;
let controlSim: Sim;
/** Per route of ROUTES: the id of a finished job its server holds, and for a route that reads no body its status without one. */
const jobIds: string[] = [];
const baselines: number[] = [];
const started = Date.now();

test.before(async () => {
  hub = await hubStub();
  const agent = { hub_url: hub.url };
  [ollamaSim, controlSim] = await Promise.all([
    startSim('ollama', FAST, ROUTES.map((r) => (isAgentRoute(r) ? agent : {}))),
    // Every control server is a node agent, so POST /agent and /agent/beat have agents to drive.
    startSim('control', { ...FAST, ...agent }, CONTROL_ROUTES.map(() => ({}))),
  ]);
  await Promise.all(ROUTES.map(async (r, i) => {
    if (r.envelope !== 'jobs') return;
    const created = await send(ollamaSim.servers[i], 'POST', '/v1/jobs', Buffer.from(JSON.stringify(JOB_BASE)));
    if (typeof created === 'string' || created.status !== 201) throw new Error(`could not make a job on ${ollamaSim.servers[i]}: ${JSON.stringify(created)}`);
    jobIds[i] = (JSON.parse(created.body) as { id: string }).id;
    // Finished (latency 0) before the baseline: GET answers it, cancel is a 409, whatever comes later.
    await eventually(async () => JSON.parse(((await send(ollamaSim.servers[i], 'GET', `/v1/jobs/${jobIds[i]}`, Buffer.alloc(0))) as { body: string }).body).state === 'ok');
    if (!readsNoBody(r)) return;
    const baseline = await send(ollamaSim.servers[i], r.method, samplePath(r.path, jobIds[i]), Buffer.alloc(0));
    if (typeof baseline === 'string') throw new Error(`${r.method} ${r.path} without a body: ${baseline}`);
    baselines[i] = baseline.status;
  }));
});

/** The cases of one route of ROUTES. */
function routeCases(r: RouteDef): Case[] {
  if (isAgentRoute(r)) return executeCases(big);
  if (readsNoBody(r)) return jobReadCases(r.method, r.path, big);
  if (r.envelope === 'jobs') return jobCases(big);
  return ollamaCases(big);
}

/** A valid body of one route of ROUTES. */
function routeBody(r: RouteDef): Record<string, unknown> {
  if (isAgentRoute(r)) return EXECUTE_BASE;
  if (r.envelope === 'jobs') return readsNoBody(r) ? {} : JOB_BASE;
  return { ...OLLAMA_BASE, stream: false };
}

// Cases that cost the server real CPU (megabytes to parse, tokenize, hash): sent one at a time, so
// "no answer within 5 s" measures one request, not a queue of twenty behind a busy event loop.
const HEAVY = new Set<Case['kind']>(['big-5mb', 'big-50mb', 'big-text', 'huge-array']);

/** Light cases: every route at once, BATCH at a time per route. Heavy cases: one request at a time. */
async function campaign<R>(routes: R[], casesOf: (r: R, i: number) => Case[], run: (r: R, i: number, c: Case) => Promise<void>): Promise<void> {
  await Promise.all(routes.map((r, i) => inBatches(casesOf(r, i).filter((c) => !HEAVY.has(c.kind)), BATCH, (c) => run(r, i, c))));
  for (const [i, r] of routes.entries()) for (const c of casesOf(r, i).filter((c) => HEAVY.has(c.kind))) await run(r, i, c);
}

test('every route of a server (Ollama, job API, node agent): bad bodies of every kind, bad ids and queries', async () => {
  await campaign(ROUTES, routeCases, async (route, i, c) => {
    const label = `${route.method} ${route.path}`;
    const outcome = await send(ollamaSim.servers[i], route.method, c.path ?? samplePath(route.path, jobIds[i]), c.body, { fresh: c.kind === 'big-50mb', headers: c.headers });
    const judged = judge('ollama', c, outcome);
    count(rows.ollama, label, c, readsNoBody(route) && c.path === undefined ? judgeIgnored(judged, baselines[i]) : judged, DEFAULT_MAX_BODY_BYTES);
    const wording = nativeWording(route, c, outcome);
    if (wording) problems.push(`${label} ${c.what}: ${wording}`);
  });
});

test('every control endpoint: bad bodies, paths, queries, huge and negative numbers', async () => {
  const portOf = (i: number) => Number(new URL(controlSim.servers[i]).port);
  await campaign(CONTROL_ROUTES, ({ method, path }, i) => controlCases(method, path, portOf(i), big), async ({ method, path }, i, c) => {
    const outcome = await send(controlSim.control, method, c.path ?? samplePath(path.replace(':port', String(portOf(i)))), c.body, { fresh: c.kind === 'big-50mb', headers: c.headers, endless: path === '/events' });
    count(rows.control, `control ${method} ${path}`, c, judge('control', c, outcome), CONTROL_MAX_BODY_BYTES);
    if (method === 'POST' && path === '/servers' && typeof outcome !== 'string' && outcome.status === 201) created.push({ url: (JSON.parse(outcome.body) as { url: string }).url, what: c.what });
  });
});

// An extreme setting the control API accepted must still give a working server: huge num_parallel,
// journal_size, queue or speeds. Only a huge load_ms asks for a model load that never ends.
const created: Array<{ url: string; what: string }> = [];
const followUps = { sent: 0, answered: 0 };

test('servers made with the accepted extreme settings answer a chat within 5 s', async () => {
  const chat = Buffer.from(JSON.stringify({ model: 'test-model', messages: [{ role: 'user', content: 'hi' }], stream: false }));
  await inBatches(created.filter((s) => !/^load_ms=(?!5e-324)/.test(s.what)), BATCH, async (s) => {
    followUps.sent++;
    const outcome = await send(s.url, 'POST', '/api/chat', chat);
    if (typeof outcome !== 'string' && outcome.status === 200) followUps.answered++;
    else problems.push(`a server made with ${s.what}: its chat got ${typeof outcome === 'string' ? outcome : `${outcome.status} ${outcome.body.slice(0, 100)}`}`);
  });
  assert.ok(followUps.sent > 0, 'POST /servers accepted none of the extreme settings: the follow-up checked nothing');
});

/** Every route of both surfaces, with where it lives. */
function allRoutes(): Array<{ label: string; origin: string; method: string; path: string; body: string }> {
  return [
    ...ROUTES.map((r, i) => ({ label: `${r.method} ${r.path}`, origin: ollamaSim.servers[i], method: r.method, path: samplePath(r.path, jobIds[i]), body: JSON.stringify(routeBody(r)) })),
    ...CONTROL_ROUTES.map(({ method, path }, i) => {
      const port = Number(new URL(controlSim.servers[i]).port);
      return { label: `control ${method} ${path}`, origin: controlSim.control, method, path: samplePath(path.replace(':port', String(port))), body: JSON.stringify(controlBase(path, port)) };
    }),
  ];
}

test('a connection that ends inside the body it announced: let go of within 5 s, no crash', async () => {
  await Promise.all(allRoutes().map(async (r) => {
    raw.truncated.sent++;
    const outcome = await sendTruncated(r.origin, r.method, r.path, 1000, 100);
    if (outcome === 'hang') {
      raw.truncated.hangs++;
      problems.push(`${r.label}: a connection that ended inside its body was still open after 5 s`);
    }
  }));
});

test('headers that arrive one byte at a time: answered within 5 s of the last byte, others served meanwhile', async () => {
  const routes = allRoutes();
  const slow = Promise.all(routes.map(async (r) => {
    raw.slow.sent++;
    const outcome = await sendSlowly(r.origin, r.method, r.path, r.body, SLOW_GAP_MS);
    if (typeof outcome === 'string') {
      raw.slow.hangs++;
      problems.push(`${r.label}: slow headers got ${outcome === 'hang' ? 'no answer within 5 s of the last byte' : 'no answer (connection closed)'}`);
      return;
    }
    raw.slow.slowestMs = Math.max(raw.slow.slowestMs, outcome.ms);
    if (outcome.status >= 500 && !/must be of type|invalid format/.test(errorMessage(outcome) ?? '')) problems.push(`${r.label}: slow headers got ${outcome.status}`);
  }));
  // While every route has a client dripping its headers, each server answers a normal request.
  await new Promise((r) => setTimeout(r, 200));
  await Promise.all([...ollamaSim.servers, controlSim.control].map(async (origin) => {
    const t = Date.now();
    const res = await fetch(`${origin}/${origin === controlSim.control ? 'health' : 'api/version'}`);
    await res.text();
    raw.slow.othersServedMaxMs = Math.max(raw.slow.othersServedMaxMs, Date.now() - t);
    if (res.status !== 200) problems.push(`${origin}: answered ${res.status} while slow clients were connected`);
  }));
  await slow;
});

function table(): string {
  const line = (name: string, r: Row) => {
    const ok = (r.byStatus.get('200') ?? 0) + (r.byStatus.get('201') ?? 0);
    const errors4xx = [...r.byStatus].filter(([s]) => /^4/.test(s)).reduce((n, [, v]) => n + v, 0);
    return `| ${name} | ${r.requests} | ${ok} | ${errors4xx} | ${r.tooLarge} (${r.tooLargeNamingLimit} name the limit) | ${r.fiveXx.get('ollama-own') ?? 0} | ${r.fiveXx.get('other') ?? 0} | ${r.hangs} | ${r.resets} | ${r.clear.get('names-field') ?? 0} | ${r.clear.get('ollama-wording') ?? 0} | ${r.clear.get('not-json-explained') ?? 0} | ${r.clear.get('unclear') ?? 0} |`;
  };
  return [
    '| surface | requests | 2xx | 4xx | 413 | 5xx the real programs give too | other 5xx | no answer in 5 s | broken connection | errors naming the field | Ollama\'s own wording | body errors explained | unclear errors |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    line(`servers: Ollama, job API, node agent (${ROUTES.length} routes)`, rows.ollama),
    line(`control API (${CONTROL_ROUTES.length} endpoints)`, rows.control),
  ].join('\n');
}

test('the tally: no crash, no hang, no 5xx Ollama would not give, every error clear, 413 names the limit', async () => {
  const crashed = [ollamaSim, controlSim].filter((s) => s.exit !== null);
  const stderrLines = [ollamaSim, controlSim].flatMap((s) => s.stderr().split('\n').filter(Boolean));
  for (const s of [ollamaSim, controlSim]) if (s.exit === null) s.child.kill('SIGTERM');
  const exits = await Promise.all([ollamaSim, controlSim].map((s) => (s.exit ? Promise.resolve(s.exit) : new Promise<{ code: number | null }>((r) => s.child.once('exit', (code) => r({ code }))))));
  const wording = [...rows.ollama.ollamaWording].map(([k, v]) => `${k}: ${v}`).join('; ');
  console.log(`\nfuzz campaign, ${((Date.now() - started) / 1000).toFixed(1)} s: ${rows.ollama.requests + rows.control.requests} requests, ${raw.truncated.sent} connections ended inside their body (${raw.truncated.hangs} left open), ${raw.slow.sent} byte-by-byte requests (slowest answer ${raw.slow.slowestMs} ms after the last byte; others served within ${raw.slow.othersServedMaxMs} ms meanwhile), ${followUps.answered}/${followUps.sent} servers made with accepted extreme settings served a chat; ${rows.ollama.clear.get('ignored') ?? 0} bodies sent to job routes that read none got the answer without one; ${rows.control.streams} GET /events streams began with a well-formed event; crashes: ${crashed.length} processes, ${stderrLines.length} stderr lines\n${table()}\nOllama's own wording: ${wording}\n`);
  if (stderrLines.length > 0) console.log(`stderr (first 10 of ${stderrLines.length} lines):\n  ${stderrLines.slice(0, 10).join('\n  ')}`);
  const all = [...problems, ...rows.ollama.problems, ...rows.control.problems];
  assert.ok(all.length === 0, `${all.length} problem(s):\n  ${all.slice(0, 60).join('\n  ')}`);
  assert.equal(crashed.map((s) => s.exit), [], 'a simulator process died during the campaign');
  assert.equal(stderrLines, [], 'the simulator wrote to stderr (an exception caught by the recovery handler, or a warning)');
  assert.equal(exits.map((e) => e.code), [0, 0], 'the simulators did not stop cleanly after the campaign');
  for (const [name, r] of Object.entries(rows)) {
    assert.ok(r.tooLarge > 0 && r.tooLarge === r.tooLargeNamingLimit, `${name}: ${r.tooLarge} 413s, ${r.tooLargeNamingLimit} naming the limit`);
  }
  // The checks of routes that read no body and of the event stream judged something.
  assert.ok((rows.ollama.clear.get('ignored') ?? 0) > 0, 'no job route that reads no body was judged against its answer without one');
  assert.ok(rows.control.streams > 0, 'no GET /events stream was judged by its first event');
});

test.after(async () => {
  closeAgents();
  for (const s of [ollamaSim, controlSim]) if (s && s.exit === null) s.child.kill('SIGKILL');
  await hub?.close();
  rmSync(work, { recursive: true, force: true });
});

test.run();
