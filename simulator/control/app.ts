// The control API (Hono). Payloads of the Rust simulator's control API keep working; errors are
// JSON `{"error", "field", "allowed"}`: 400 for bad input, 404 for an unknown port or path, 409
// for a port that cannot be bound. Never a 500 for a client mistake.
import { Hono, type Context } from 'hono';
import type { Fleet } from '../fleet.js';
import { ValidationError } from '../schema.js';
import type { SimServer } from '../server.js';
import { readWholeBody } from './body-limit.js';
import { intQuery, jsonBody, onlyFields, portParam, portSelector, required } from './input.js';
import { renderMetrics } from './metrics.js';
import { parseLoadedModels, parseModels, replaceModels, resolveInstalled, setLoaded } from './models.js';

const ok = (c: Context, extra: Record<string, unknown> = {}) => c.json({ status: 'ok', ...extra });
const ports = (servers: SimServer[]) => servers.map((s) => s.port);

/** What /status shows for one server, with the Rust simulator's field names kept alongside. */
function serverStatus(s: SimServer): Record<string, unknown> {
  const loaded = s.residency.list().map((m) => m.spec.name);
  return {
    ...s.status(),
    accepting_connections: s.listening,
    loaded_model: loaded[0] ?? null,
    active_request_count: s.inFlight.size,
  };
}

/** Waits until each listener matches its behavior (ConnectionRefused closes it), so the caller's next connect sees it. */
async function listenersSettled(servers: SimServer[]): Promise<void> {
  await Promise.all(servers.map((s) => s.syncListener()));
}

/** The body stream broke: the client closed the connection before sending all it announced. */
const clientLeft = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ECONNRESET' && (err as Error).message === 'aborted';

function errorStatus(err: unknown): 400 | 404 | 409 | null {
  if (err instanceof ValidationError) {
    if (/^no server on port/.test(err.message)) return 404;
    if (/already a server|is the control port/.test(err.message)) return 409;
    return 400;
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') return 409;
  if (clientLeft(err)) return 400;
  return null;
}

function errorBody(err: unknown): Record<string, unknown> {
  if (err instanceof ValidationError) return err.toJSON();
  if (clientLeft(err)) return { error: 'request body incomplete: the connection closed before all of it arrived', field: 'body' };
  return { error: `cannot listen: ${(err as Error).message}`, field: 'port' };
}

export function buildControlApp(fleet: Fleet): Hono {
  const app = new Hono();

  app.onError((err, c) => {
    const status = errorStatus(err);
    if (status === null) {
      console.error('ollama-sim control API:', err);
      return c.json({ error: `internal error: ${(err as Error).message}` }, 500);
    }
    return c.json(errorBody(err), status);
  });
  app.use(readWholeBody);
  app.notFound((c) => c.json({ error: `no control endpoint ${c.req.method} ${c.req.path}; see GET /status, POST /behavior, GET /journal, GET /metrics` }, 404));

  app.get('/health', (c) => c.json({ status: 'ok' }));

  app.get('/status', (c) => c.json({ seed: fleet.seed, control_url: fleet.controlUrl, servers: fleet.list().map(serverStatus) }));

  app.post('/behavior', async (c) => {
    const body = await jsonBody(c);
    onlyFields(body, ['port', 'behavior'], 'POST /behavior');
    const selector = portSelector(body);
    const servers = fleet.select(selector);
    const spec = fleet.setBehavior(selector as number, required(body, 'behavior', '{"type": "Hang"}'));
    await listenersSettled(servers);
    return ok(c, { behavior: spec.type, ports: ports(servers) });
  });

  app.post('/behavior/sequence', async (c) => {
    const body = await jsonBody(c);
    onlyFields(body, ['port', 'steps'], 'POST /behavior/sequence');
    const selector = portSelector(body);
    const servers = fleet.select(selector);
    const steps = required(body, 'steps', '[{"type": "FailMidStream", "times": 2}, {"type": "Normal"}]');
    if (!Array.isArray(steps) || steps.length === 0) throw new ValidationError(`field 'steps' must be a non-empty array of behaviors, got ${JSON.stringify(steps)}`, 'steps');
    fleet.setSequence(selector as number, steps);
    await listenersSettled(servers);
    return ok(c, { ports: ports(servers), behavior: servers[0].behavior.describe() });
  });

  app.post('/models', async (c) => {
    const body = await jsonBody(c);
    onlyFields(body, ['port', 'models'], 'POST /models');
    const servers = fleet.select(portSelector(body));
    const specs = parseModels(required(body, 'models', '["llama3.2:latest"]'));
    for (const s of servers) replaceModels(s, specs);
    return ok(c, { ports: ports(servers), installed_models: specs.map((m) => m.name) });
  });

  app.post('/loaded-model', async (c) => {
    const body = await jsonBody(c);
    onlyFields(body, ['port', 'model'], 'POST /loaded-model');
    const servers = fleet.select(portSelector(body));
    const names = parseLoadedModels(required(body, 'model', '"test-model:latest" or null'));
    // Validate every server first, so a bad name changes nothing.
    const plans = servers.map((s) => [s, resolveInstalled(s, names)] as const);
    for (const [s, found] of plans) setLoaded(s, found);
    return ok(c, { ports: ports(servers), loaded_models: plans[0]?.[1].map((m) => m.spec.name) ?? [] });
  });

  app.post('/reset', async (c) => {
    const body = await jsonBody(c);
    onlyFields(body, ['clear_counters'], 'POST /reset');
    const clear = body.clear_counters ?? false;
    if (typeof clear !== 'boolean') throw new ValidationError(`field 'clear_counters' must be true or false, got ${JSON.stringify(clear)}`, 'clear_counters');
    fleet.reset(clear);
    await listenersSettled(fleet.list());
    return ok(c);
  });

  app.get('/request-count/:port', (c) => {
    const s = fleet.server(portParam(c));
    return c.json({ port: s.port, request_count: s.requestCount });
  });

  app.get('/kv-cache/:port', (c) => {
    const s = fleet.server(portParam(c));
    const slots = s.kv.snapshot();
    return c.json({ port: s.port, token_count: slots[0]?.token_count ?? 0, tokens: slots[0]?.tokens ?? [], slots });
  });

  app.post('/kv-cache/clear', async (c) => {
    const body = await jsonBody(c);
    onlyFields(body, ['port'], 'POST /kv-cache/clear');
    const servers = fleet.select(portSelector(body));
    for (const s of servers) s.kv.clear();
    return ok(c, { ports: ports(servers) });
  });

  app.post('/cancel/:port', (c) => {
    const s = fleet.server(portParam(c));
    const inFlight = [...s.inFlight];
    for (const ex of inFlight) ex.cancel();
    return c.json({ cancelled: inFlight.length });
  });

  app.post('/servers/:port/down', async (c) => {
    const s = fleet.server(portParam(c));
    s.adminDown = true;
    await s.syncListener();
    return c.json(serverStatus(s));
  });

  app.post('/servers/:port/up', async (c) => {
    const s = fleet.server(portParam(c));
    s.adminDown = false;
    await s.syncListener();
    return c.json(serverStatus(s));
  });

  app.post('/servers', async (c) => {
    const s = await fleet.addServer(await jsonBody(c));
    return c.json(serverStatus(s), 201);
  });

  app.delete('/servers/:port', async (c) => {
    const port = portParam(c);
    await fleet.removeServer(port);
    return ok(c, { removed: port });
  });

  app.get('/journal', (c) => {
    const q = intQuery(c, ['port', 'since', 'limit']);
    if (q.port !== undefined) fleet.server(q.port);
    if (q.limit === 0) throw new ValidationError("query parameter 'limit' must be >= 1", 'limit');
    const records = fleet.journal(q);
    const truncated = q.limit !== undefined && records.length === q.limit;
    const cursor = truncated && records.length ? records[records.length - 1].id : Math.max(q.since ?? 0, fleet.cursor);
    return c.json({ records, cursor });
  });

  app.delete('/journal', (c) => {
    const q = intQuery(c, ['port']);
    if (q.port !== undefined) fleet.server(q.port).journal.clear();
    else fleet.clearJournal();
    return ok(c);
  });

  app.get('/metrics', (c) => c.body(renderMetrics(fleet), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }));

  return app;
}
