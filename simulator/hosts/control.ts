// The control API of a --workers fleet: the same app (guard, body limit, errors, every endpoint of
// control/endpoints/), each endpoint answered where its `spread` says. A request for one server
// goes whole to the worker holding it; a fleet-wide one goes to every worker and the answers merge
// into what one thread would have answered (servers in port order, records in id order, one cursor).
import type { Context } from 'hono';
import type { Hono } from 'hono';
import { buildControlApp } from '../control/app.js';
import type { ControlEndpoint, Spread } from '../control/endpoint.js';
import { jsonBody, portParam, portSelector } from '../control/input.js';
import { selectPorts } from '../fleet.js';
import { ValidationError } from '../schema.js';
import type { ControlAnswer } from './protocol.js';
import type { Fleet } from '../fleet.js';
import type { WorkerHost } from './worker-host.js';

/** What routing needs of a worker fleet (the WorkerFleet of worker-fleet.ts). */
export interface RoutedFleet {
  readonly seed: number;
  readonly controlUrl: string | null;
  readonly controlPort: number | null;
  /** The fleet-wide newest record id. */
  readonly cursor: number;
  readonly ports: number[];
  readonly hosts: WorkerHost[];
  /** Host, seed and control URL, for the endpoints answered in this thread. */
  readonly shell: Fleet;
  hostOf(port: number): WorkerHost;
  leastLoaded(): WorkerHost;
}

type Handler = (c: Context) => Response | Promise<Response>;

/** The request as the worker's own control app gets it, with another body when given. */
async function forward(c: Context, host: WorkerHost, body?: Record<string, unknown>): Promise<ControlAnswer> {
  const url = new URL(c.req.url);
  const type = c.req.header('content-type');
  const text = body === undefined ? await c.req.text() : JSON.stringify(body);
  return host.call({ op: 'control', request: { method: c.req.method, path: url.pathname + url.search, headers: type ? { 'content-type': type } : {}, body: text } });
}

const respond = (a: ControlAnswer): Response => new Response(a.body, { status: a.status, headers: { 'content-type': a.contentType } });

const failed = (answers: ControlAnswer[]): ControlAnswer | undefined => answers.find((a) => a.status >= 300);

/** Every worker's answer, or the first failure among them. */
async function everyWorker(c: Context, wf: RoutedFleet): Promise<{ jsons: any[] } | { failure: ControlAnswer }> {
  const answers = await Promise.all(wf.hosts.map((h) => forward(c, h)));
  const failure = failed(answers);
  return failure ? { failure } : { jsons: answers.map((a) => JSON.parse(a.body)) };
}

/** The worker `?port=` names (a 404 for no server), or null when the query names none. */
function queryPortHost(c: Context, wf: RoutedFleet): WorkerHost | null {
  const raw = c.req.query('port');
  return raw !== undefined && /^\d+$/.test(raw) ? wf.hostOf(Number(raw)) : null;
}

/** A port a new server asks for that another server (or the control API) of the fleet holds: the 409 one thread gives. */
function checkNewPort(body: Record<string, unknown>, wf: RoutedFleet, freed?: number): void {
  const port = body.port;
  if (typeof port !== 'number' || port === 0 || port === freed) return;
  if (wf.ports.includes(port)) throw new ValidationError(`port ${port} is already a server of this fleet`, 'port');
  if (wf.controlPort === port) throw new ValidationError(`port ${port} is the control port`, 'port');
}

/** Arrays of the per-worker answers, joined back into the order of `selected` (the caller's order). */
function mergeSelected(jsons: any[], sent: number[][], selected: number[]): Record<string, unknown> {
  const order = sent.flat();
  const pick = selected.map((p) => order.indexOf(p));
  const merged: Record<string, unknown> = { ...jsons[0] };
  for (const key of Object.keys(merged)) {
    if (!jsons.every((j) => Array.isArray(j[key]))) continue;
    const all = jsons.flatMap((j) => j[key]);
    merged[key] = all.length === order.length ? pick.map((i) => all[i]) : all;
  }
  return merged;
}

/** The body's `port` selector, spread over the workers holding its ports. */
function selector(wf: RoutedFleet): Handler {
  return async (c) => {
    const body = await jsonBody(c);
    let selected: number[];
    try {
      selected = selectPorts(portSelector(body), wf.ports);
    } catch (e) {
      // A worker checks the body in the endpoint's own order (an unknown field first); only an
      // unknown port needs the fleet-wide list.
      const a = await forward(c, wf.hosts[0]);
      if (a.status === 404 || a.status < 300) throw e;
      return respond(a);
    }
    const groups = new Map<WorkerHost, number[]>();
    for (const p of selected) {
      const h = wf.hostOf(p);
      groups.set(h, [...(groups.get(h) ?? []), p]);
    }
    const hosts = [...groups.keys()];
    const answers = await Promise.all(hosts.map((h) => forward(c, h, { ...body, port: groups.get(h)! })));
    const failure = failed(answers);
    if (failure) return respond(failure);
    return c.json(mergeSelected(answers.map((a) => JSON.parse(a.body)), hosts.map((h) => groups.get(h)!), selected));
  };
}

/** Samples of one metric family from every worker, in server order (what one thread lists). */
function mergeMetrics(texts: string[]): string {
  const split = (t: string) => t.trimEnd().split(/\n(?=# HELP )/);
  const families = texts.map(split);
  const server = (line: string) => Number(/server="(\d+)"/.exec(line)?.[1] ?? 0);
  return families[0].map((family, i) => {
    const [help, type] = family.split('\n');
    const samples = families.flatMap((f) => f[i].split('\n').slice(2)).filter(Boolean);
    return [help, type, ...samples.sort((a, b) => server(a) - server(b))].join('\n');
  }).join('\n') + '\n';
}

const ROUTES: Record<Spread, (e: ControlEndpoint, wf: RoutedFleet) => Handler> = {
  parent: (e, wf) => (c) => e.handle(c, wf.shell),
  'port-param': (_e, wf) => async (c) => respond(await forward(c, wf.hostOf(portParam(c)))),
  restart: (_e, wf) => async (c) => {
    const port = portParam(c);
    const host = wf.hostOf(port);
    checkNewPort(await jsonBody(c), wf, port);
    return respond(await forward(c, host));
  },
  add: (_e, wf) => async (c) => {
    checkNewPort(await jsonBody(c), wf);
    return respond(await forward(c, wf.leastLoaded()));
  },
  selector: (_e, wf) => selector(wf),
  every: (_e, wf) => async (c) => {
    const one = queryPortHost(c, wf);
    if (one) return respond(await forward(c, one));
    const answers = await Promise.all(wf.hosts.map((h) => forward(c, h)));
    return respond(failed(answers) ?? answers[0]);
  },
  status: (_e, wf) => async (c) => {
    const r = await everyWorker(c, wf);
    if ('failure' in r) return respond(r.failure);
    const servers = r.jsons.flatMap((j) => j.servers).sort((a, b) => a.port - b.port);
    return c.json({ seed: wf.seed, control_url: wf.controlUrl, servers });
  },
  records: (_e, wf) => async (c) => {
    // The cursor is read before any worker is asked: a record with an id up to it is in its
    // worker's ring by the time that worker answers (ids are taken and stored in one tick).
    const newest = wf.cursor;
    const one = queryPortHost(c, wf);
    const answers = await Promise.all((one ? [one] : wf.hosts).map((h) => forward(c, h)));
    const failure = failed(answers);
    if (failure) return respond(failure);
    const jsons = answers.map((a) => JSON.parse(a.body));
    const key = Object.keys(jsons[0]).find((k) => Array.isArray(jsons[0][k]))!;
    const limit = c.req.query('limit') === undefined ? Infinity : Number(c.req.query('limit'));
    const records = jsons.flatMap((j) => j[key] as Array<{ id: number }>).sort((a, b) => a.id - b.id).slice(0, limit);
    const truncated = records.length === limit;
    const cursor = truncated ? records[records.length - 1].id : Math.max(Number(c.req.query('since') ?? 0), newest);
    return c.json({ [key]: records, cursor });
  },
  metrics: (_e, wf) => async (c) => {
    const answers = await Promise.all(wf.hosts.map((h) => forward(c, h)));
    const failure = failed(answers);
    if (failure) return respond(failure);
    return c.body(mergeMetrics(answers.map((a) => a.body)), 200, { 'Content-Type': answers[0].contentType });
  },
};

export function workerControlApp(wf: RoutedFleet): Hono {
  return buildControlApp(wf.shell, { route: (e) => ROUTES[e.spread](e, wf) });
}
