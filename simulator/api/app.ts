// The Hono app of one simulated server. Every route goes through dispatch(): journal the request,
// read its body, let the server's behavior decide (answer normally, error, hang, reset, ...), then
// run the route's handler. Unknown paths and wrong methods answer like gin does (404/405 text).
// Plain requests to a route without parameters reach dispatch() through a Map (requestListener),
// the others through Hono's router; both answer the same bytes (test/wire/golden.test.ts).
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { getRequestListener, type HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono, type Context } from 'hono';
import type { Applied } from '../behaviors/state.js';
import { sleep } from '../engine/clock.js';
import type { SimServer } from '../server.js';
import { corsPreflight, corsHeaders } from './cors.js';
import { ApiError } from './errors.js';
import { Exchange } from './exchange.js';
import { readBody, summarizeBody } from './read-body.js';
import { ROUTES, servedRoutes, type RouteDef } from './routes.js';

type Env = { Bindings: HttpBindings };

/**
 * Starts the journal record and the exchange for any request that reached HTTP. `endpoint` is the
 * route pattern it is counted under in /metrics (`unrouted` for none).
 */
function begin(server: SimServer, incoming: IncomingMessage, outgoing: ServerResponse, endpoint: string): Exchange {
  const record = server.journal.begin(server.port, incoming.method ?? 'GET', incoming.url ?? '/');
  return new Exchange(server, incoming, outgoing, record, endpoint);
}

/**
 * What the behavior does before the route: true to serve. A promise only when it waits (a header
 * delay, a delayed Custom answer): the common request runs to its handler without one.
 */
function applyBehavior(server: SimServer, route: RouteDef, ex: Exchange, applied: Applied, model: string | null): boolean | Promise<boolean> {
  const effect = applied.effect;
  switch (effect.kind) {
    case 'serve':
      ex.effect = effect;
      if (effect.headerDelayMs) return sleep(effect.headerDelayMs, ex.signal).then(() => !ex.closed);
      return !ex.closed;
    case 'hang':
      ex.hang();
      return false;
    case 'cut':
      ex.cutNow(effect.cut);
      return false;
    case 'error':
      ex.fault('http_error');
      ex.sendError(effect.status, effect.message, effect.headers);
      return false;
    case 'model_not_found': {
      ex.fault('http_error');
      const name = effect.model ?? model ?? '';
      ex.sendError(404, route.notFound ? route.notFound(name) : `model '${name}' not found`);
      return false;
    }
    case 'custom': {
      ex.fault('custom');
      const answer = () => {
        ex.send(effect.status, { 'Content-Type': effect.contentType }, effect.body);
        return false;
      };
      return effect.delayMs ? sleep(effect.delayMs, ex.signal).then(answer) : answer();
    }
  }
}

/** An ApiError is the route's error answer; anything else is gin's Recovery: 500 with an empty body. */
function failed(server: SimServer, ex: Exchange, e: unknown): void {
  if (e instanceof ApiError) {
    ex.sendError(e.status, e.message, e.headers, e.envelope);
  } else {
    console.error(`ollama-sim ${server.url}: ${ex.record.method} ${ex.record.path}:`, e);
    if (!ex.headersSent) ex.send(500, {});
    else ex.socket.destroy();
  }
}

/** The request once its body is read: the behavior's decision, then the route's handler. */
function serve(server: SimServer, route: RouteDef, ex: Exchange, body: string, params: Record<string, string>): void | Promise<void> {
  const { parsed, model } = summarizeBody(ex, body);
  const behavior = server.behavior;
  const applied = behavior.servesAll ? behavior.normal : behavior.forRequest({ port: server.port, serverKey: server.drawKey, method: ex.record.method, path: ex.record.path, model, seed: server.fleet.seed });
  server.journal.behavior(ex.record, applied.spec.type);
  const go = applyBehavior(server, route, ex, applied, model);
  const handle = () => route.handle({ ex, server, body, parsed, params });
  if (go === true) return handle();
  if (go === false) return;
  return go.then((yes) => (yes ? handle() : undefined));
}

/**
 * One routed request, synchronously as far as it can go: a GET without a body, a behavior that
 * does not wait and a handler that answers at once allocate no promise. Errors thrown on the way,
 * synchronous or not, end in failed().
 */
function dispatch(server: SimServer, route: RouteDef, incoming: IncomingMessage, outgoing: ServerResponse, params: Record<string, string>): void {
  const ex = begin(server, incoming, outgoing, route.path);
  ex.envelope = route.envelope;
  try {
    const cors = corsHeaders(incoming);
    if (cors === 'forbidden') return ex.send(403, {});
    ex.extraHeaders = cors;
    const body = readBody(ex);
    const done = typeof body === 'string' ? serve(server, route, ex, body, params) : body.then((b) => (b === null ? undefined : serve(server, route, ex, b, params)));
    if (done) done.catch((e: unknown) => failed(server, ex, e));
  } catch (e) {
    failed(server, ex, e);
  }
}

const ALLOW_ORDER = ['HEAD', 'GET', 'POST', 'DELETE'];

function patternToRegExp(path: string): RegExp {
  return new RegExp('^' + path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\/:[A-Za-z_]+/g, '/[^/]+') + '$');
}

const ROUTE_MATCHERS = ROUTES.map((r) => ({ route: r, re: patternToRegExp(r.path) }));

/** The pattern of the first route this path belongs to, whatever the method. */
function routePattern(path: string): string | null {
  return ROUTE_MATCHERS.find((m) => m.re.test(path))?.route.path ?? null;
}

export function allowedMethods(path: string): string[] {
  const methods = new Set<string>();
  for (const { route, re } of ROUTE_MATCHERS) {
    if (!re.test(path)) continue;
    methods.add(route.method);
    if (route.head) methods.add('HEAD');
  }
  return ALLOW_ORDER.filter((m) => methods.has(m));
}

/** 404 `404 page not found`, 405 with Allow, and gin's trailing-slash redirects, all as text/plain. */
function unrouted(server: SimServer, c: Context<Env>): Response {
  const path = (c.env.incoming.url ?? '/').split('?', 1)[0];
  const ex = begin(server, c.env.incoming, c.env.outgoing, routePattern(path) ?? 'unrouted');
  const method = ex.record.method;
  if (method === 'OPTIONS') {
    const pre = corsPreflight(c.env.incoming);
    if (pre) {
      ex.send(pre.status, pre.headers);
      return RESPONSE_ALREADY_SENT;
    }
  }
  const cors = corsHeaders(c.env.incoming);
  if (cors === 'forbidden') {
    ex.send(403, {});
    return RESPONSE_ALREADY_SENT;
  }
  ex.extraHeaders = cors;
  if (path.length > 1 && path.endsWith('/') && allowedMethods(path.slice(0, -1)).length) {
    const location = path.slice(0, -1) + (ex.record.query ? `?${ex.record.query}` : '');
    const status = method === 'GET' ? 301 : 307;
    ex.send(status, { Location: location, 'Content-Type': 'text/html; charset=utf-8' }, method === 'GET' ? `<a href="${location}">Moved Permanently</a>.\n\n` : '');
    return RESPONSE_ALREADY_SENT;
  }
  const allow = allowedMethods(path);
  if (allow.length) ex.send(405, { Allow: allow.join(', '), 'Content-Type': 'text/plain' }, '405 method not allowed');
  else ex.send(404, { 'Content-Type': 'text/plain' }, '404 page not found');
  return RESPONSE_ALREADY_SENT;
}

export function buildApp(server: SimServer): Hono<Env> {
  const app = new Hono<Env>();
  for (const route of servedRoutes(server.settings.hub_url !== undefined)) {
    app.on(route.method, route.path, (c) => {
      // Hono answers HEAD with the GET handler; Ollama has HEAD only on some routes.
      if (c.env.incoming.method === 'HEAD' && !route.head) return unrouted(server, c);
      dispatch(server, route, c.env.incoming, c.env.outgoing, c.req.param() as Record<string, string>);
      return RESPONSE_ALREADY_SENT;
    });
  }
  app.notFound((c) => unrouted(server, c));
  // Hono runs HEAD as GET and wraps the result in a new Response, which hides node-server's
  // RESPONSE_ALREADY_SENT marker, so node-server wrote the head a second time
  // (ERR_HTTP_HEADERS_SENT). Route HEAD as GET here; handlers read the real method from
  // c.env.incoming, and Node drops body bytes of a HEAD response itself.
  const fetch = app.fetch;
  app.fetch = (req, ...rest) => fetch(req.method === 'HEAD' ? new Request(req.url, { method: 'GET', headers: req.headers }) : req, ...rest);
  return app;
}

// The request targets for which @hono/node-server builds the URL as `http://${host}${url}` without
// normalizing it (its own checks, copied), so Hono's path is the target up to `?` or `#`.
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;
const PLAIN_TARGET = /^\/[!#$&-;=?-\[\]_a-z~]*$/;
const DOT_SEGMENT = /\/\.\.?(?:[/?#]|$)/;
const NO_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** The served routes without parameters, by "METHOD path" (HEAD under the GET route). */
function staticRoutes(routes: RouteDef[]): Map<string, RouteDef> {
  return new Map(routes.filter((r) => !r.path.includes(':')).map((r) => [`${r.method} ${r.path}`, r]));
}

/**
 * The route Hono would pick for a plain request, found in one Map lookup; null for anything else
 * (a parameter, a target Hono normalizes or rejects, HEAD on a GET-only route, unrouted paths),
 * which goes through Hono as before. Cross-origin requests go through Hono too: node-server drains
 * a body the 403 left unread.
 */
function directRoute(table: Map<string, RouteDef>, incoming: IncomingMessage): RouteDef | null {
  const url = incoming.url ?? '';
  const host = incoming.headers.host;
  if (!host || incoming.headers.origin !== undefined || !PLAIN_HOST.test(host) || !PLAIN_TARGET.test(url) || DOT_SEGMENT.test(url)) return null;
  let end = url.length;
  for (let i = 1; i < url.length; i++) {
    const ch = url.charCodeAt(i);
    if (ch === 63 || ch === 35) { end = i; break; } // ? #
  }
  const path = end === url.length ? url : url.slice(0, end);
  const head = incoming.method === 'HEAD';
  const route = table.get(`${head ? 'GET' : incoming.method} ${path}`);
  return route === undefined || (head && !route.head) ? null : route;
}

/**
 * The HTTP request handler of one simulated server: plain requests to a route without parameters
 * go straight to dispatch (no Request, Context or router per request: a measurable share of a
 * request's CPU); everything else through Hono, which answers them as it always did.
 */
export function requestListener(server: SimServer): RequestListener {
  const viaHono = getRequestListener(buildApp(server).fetch);
  const table = staticRoutes(servedRoutes(server.settings.hub_url !== undefined));
  return (incoming, outgoing) => {
    const route = directRoute(table, incoming);
    if (route === null) return viaHono(incoming, outgoing);
    dispatch(server, route, incoming, outgoing, NO_PARAMS);
  };
}
