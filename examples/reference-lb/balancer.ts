// The request handler: answers /api/tags and /v1/models itself, routes everything else to one
// backend at a time (or, with --race N, races a generation on N backends: race.ts), retries on
// another backend until the first response byte goes to the client, then streams the backend's
// answer through unchanged.
import { createHash } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError, type Backend, type BackendPool, type Log } from './backends.js';
import type { DefectName, Defects } from './defects.js';
import { firstUserMessage, normalizeModel, openAiModels, parseJsonObject, requestedModel } from './models.js';
import { RACED_ROUTES, Racer, runRace, settleLosers } from './race.js';
import { breakClient, relay } from './relay.js';
import { drainUnread, Upstream } from './upstream.js';

export type BalancerOptions = {
  pool: BackendPool;
  defects: Defects;
  timeoutMs: number;
  connectTimeoutMs: number;
  /** --race N: generation requests go to this many backends at once (below 2: no racing). */
  raceSize: number;
  log: Log;
};

// Routing reads the body's `model` and a retry replays it, so the body is held in memory; this caps it.
const MAX_BODY_BYTES = 256 * 1024 * 1024;
const DEFECT_BODY_LIMIT = 1024 * 1024;
const HANG_RETRY_MS = 1000;
const CHAT_ROUTES = new Set(['/api/chat', '/api/generate', '/v1/chat/completions']);
const AFFINITY_ROUTES = new Set(['/api/chat', '/v1/chat/completions']);
// Hop-by-hop request headers, plus the ones node:http sets for the new connection itself.
const DROP_REQUEST_HEADERS = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'expect', 'host', 'content-length',
]);

/** An error the balancer answers itself, with its HTTP status. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Ctx = {
  req: IncomingMessage;
  res: ServerResponse;
  label: string; // "POST /api/chat", for logs
  headers: OutgoingHttpHeaders;
  body: Buffer | undefined;
  model: string | undefined; // the model routing filters on
  affinityKey: string | undefined;
  /** A generation request raced on several backends (--race). */
  raced: boolean;
  clientGone: boolean;
  active: Set<Upstream>;
};

type Attempt =
  | { kind: 'done' }
  | { kind: 'error'; reason: string }
  | { kind: 'response'; up: Upstream; upRes: IncomingMessage; reason: string; prefix?: Buffer };

export class Balancer {
  private readonly active = new Set<Upstream>();

  constructor(private readonly o: BalancerOptions) {}

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    res.on('error', () => {}); // a vanished client shows up as 'close', handled per request
    this.serve(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) this.reply(req, res, err.status, err.message);
      else if (!res.destroyed) this.reply(req, res, 500, `internal error: ${describeError(err)}`);
    });
  };

  /** Aborts every upstream request (the server is shutting down). */
  shutdown(): void {
    for (const up of this.active) up.cancel('shutting down');
  }

  private has(defect: DefectName): boolean {
    return this.o.defects.has(defect);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://lb').pathname;
    const read = method === 'GET' || method === 'HEAD';
    if (this.has('chat-only') && !(method === 'POST' && CHAT_ROUTES.has(path))) throw new HttpError(404, 'not found');
    if (read && path === '/api/tags') return this.json(res, 200, { models: this.o.pool.tagsUnion() });
    if (read && path === '/v1/models') return this.json(res, 200, openAiModels(this.o.pool.tagsUnion()));
    const body = await readBody(req);
    if (body === null) return; // the client left while sending its body
    const ctx = this.context(req, res, body);
    if (ctx.model !== undefined && this.o.pool.backends.length > 0 && !this.o.pool.anyServes(ctx.model)) {
      throw new HttpError(404, `model '${ctx.model}' not found`);
    }
    if (this.has('reject-when-busy') && this.o.pool.allBusy(ctx.model)) throw new HttpError(503, 'all backends busy');
    await this.forward(ctx);
  }

  private context(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): Ctx {
    const json = req.method === 'POST' && body !== undefined ? parseJsonObject(body) : undefined;
    const model = requestedModel(json);
    const path = new URL(req.url ?? '/', 'http://lb').pathname;
    const first = AFFINITY_ROUTES.has(path) ? firstUserMessage(json) : undefined;
    const forwarded = body !== undefined && this.has('body-limit-1mb') ? body.subarray(0, DEFECT_BODY_LIMIT) : body;
    const ctx: Ctx = {
      req,
      res,
      label: `${req.method} ${req.url}`,
      headers: upstreamHeaders(req, forwarded),
      body: forwarded,
      model: this.has('ignore-models') ? undefined : model,
      affinityKey: model !== undefined && first !== undefined ? conversationKey(model, first) : undefined,
      // A non-streamed answer's first byte comes when its generation is done: racing it would let
      // every racer generate the whole answer before a winner is known.
      raced: this.o.raceSize >= 2 && req.method === 'POST' && RACED_ROUTES.has(path) && json?.stream !== false,
      clientGone: false,
      active: new Set(),
    };
    res.once('close', () => this.onClientClose(ctx));
    if (req.socket.destroyed) ctx.clientGone = true; // it left before the listener was in place
    return ctx;
  }

  /** The client went away before the response ended: stop the backend generating for nobody. */
  private onClientClose(ctx: Ctx): void {
    if (ctx.res.writableFinished) return;
    ctx.clientGone = true;
    if (this.has('ignore-client-abort')) return;
    for (const up of ctx.active) {
      if (!up.req.destroyed) this.o.log(`abort ${ctx.label} -> ${up.backend.url}: client went away`);
      up.cancel('client went away');
    }
  }

  /** Tries backends one at a time, each at most once, until one answers. */
  private async forward(ctx: Ctx): Promise<void> {
    const tried = new Set<Backend>();
    let lastError = 'no backends configured';
    let backend = this.choose(ctx, tried);
    for (let attempt = 1; !ctx.clientGone; ) {
      if (backend === undefined) {
        if (!this.has('hang-when-none')) return this.reply(ctx.req, ctx.res, 502, `no backend available: ${lastError}`);
        await sleep(HANG_RETRY_MS); // the defect: wait for a healthy backend forever
        tried.clear();
        backend = this.choose(ctx, tried);
        continue;
      }
      const result = await this.attempt(ctx, backend, tried, attempt++);
      if (result.kind === 'done') return;
      lastError = result.reason;
      const failed = backend;
      backend = this.has('no-retry') ? undefined : this.choose(ctx, tried);
      if (backend !== undefined && !ctx.clientGone) {
        this.o.log(`retry ${ctx.label}: ${failed.url} ${result.kind === 'error' ? 'failed' : 'answered'} ${result.reason}`);
      }
      if (result.kind === 'response') {
        if (backend === undefined) return this.deliver(ctx, result.up, result.upRes, result.prefix); // the last answer, unchanged
        result.up.judge('neutral'); // a 429 says nothing about health (a 5xx was judged already)
        result.up.cancel('retrying on another backend');
      }
    }
  }

  private choose(ctx: Ctx, tried: ReadonlySet<Backend>): Backend | undefined {
    const fallback = !this.has('hang-when-none');
    return this.o.pool.pick({ model: ctx.model, affinityKey: ctx.affinityKey, exclude: tried, fallback, ignoreHealth: this.ignoresHealth(ctx) });
  }

  /** A race's next racer: available backends only, and the round-robin turn stays with the first racer. */
  private chooseRacer(ctx: Ctx, tried: ReadonlySet<Backend>): Backend | undefined {
    return this.o.pool.pick({ model: ctx.model, exclude: tried, fallback: false, keepTurn: true, ignoreHealth: this.ignoresHealth(ctx) });
  }

  private ignoresHealth(ctx: Ctx): boolean {
    return ctx.raced && this.has('race-ignore-health');
  }

  /** One attempt: the head of the first backend to answer, or why none did. */
  private async attempt(ctx: Ctx, backend: Backend, tried: Set<Backend>, n: number): Promise<Attempt> {
    if (ctx.raced) return this.race(ctx, backend, tried, n);
    const ups = [this.open(ctx, backend, tried, `attempt ${n}`)];
    if (this.has('duplicate-requests') && ctx.req.method === 'POST') {
      const twin = this.choose(ctx, tried);
      if (twin !== undefined) ups.push(this.open(ctx, twin, tried, `attempt ${n}, duplicate`));
    }
    let first: { up: Upstream; upRes: IncomingMessage };
    try {
      first = await Promise.any(ups.map((up) => up.response.then((upRes) => ({ up, upRes }))));
    } catch (err) {
      return { kind: 'error', reason: describeError(err) };
    }
    for (const other of ups) if (other !== first.up) drainUnread(other); // the duplicate runs on
    const status = first.upRes.statusCode ?? 502;
    if (status >= 500) first.up.judge({ fail: `HTTP ${status}` });
    if (status >= 500 || status === 429) return { kind: 'response', ...first, reason: `HTTP ${status}` };
    await this.deliver(ctx, first.up, first.upRes);
    return { kind: 'done' };
  }

  /**
   * One attempt as a race: `first` and up to raceSize - 1 more available backends at once. The
   * winner is streamed to the client; when nobody produces a token, the last answer comes back for
   * the retry loop (another race on untried backends, or the client gets it unchanged).
   */
  private async race(ctx: Ctx, first: Backend, tried: Set<Backend>, n: number): Promise<Attempt> {
    const ups = [this.open(ctx, first, tried, `attempt ${n}, racer 1`)];
    while (ups.length < this.o.raceSize) {
      const next = this.chooseRacer(ctx, tried);
      if (next === undefined) break;
      ups.push(this.open(ctx, next, tried, `attempt ${n}, racer ${ups.length + 1}`));
    }
    const racers = ups.map((up) => new Racer(up, this.has('race-first-head')));
    const preferred = this.has('race-sticky-tie') ? this.firstListed(racers) : undefined;
    const outcome = await runRace(racers, (r, reason) => this.o.log(`race ${ctx.label}: ${r.up.backend.url} out: ${reason}`), preferred);
    if (outcome.kind === 'failed') return { kind: 'error', reason: outcome.reason };
    if (outcome.kind === 'answered') {
      const { last } = outcome;
      const retryable = last.status < 300 || last.status >= 500 || last.status === 429;
      if (retryable) return { kind: 'response', up: last.up, upRes: last.upRes!, reason: outcome.reason, prefix: last.prefix };
      await this.deliver(ctx, last.up, last.upRes!, last.prefix); // a 4xx: the request itself is wrong
      return { kind: 'done' };
    }
    const { winner, losers } = outcome;
    const delivering = this.deliver(ctx, winner.up, winner.upRes!, winner.prefix); // writes the head at once
    const fate = settleLosers(losers, ctx.res, this.o.defects);
    this.o.log(`race ${ctx.label}: ${winner.up.backend.url} won${losers.length ? `; ${fate}: ${losers.map((r) => r.up.backend.url).join(', ')}` : ''}`);
    await delivering;
    return { kind: 'done' };
  }

  /** The racer whose backend comes first in the backend list. */
  private firstListed(racers: Racer[]): Racer | undefined {
    const order = this.o.pool.backends;
    return [...racers].sort((a, b) => order.indexOf(a.up.backend) - order.indexOf(b.up.backend))[0];
  }

  private open(ctx: Ctx, backend: Backend, tried: Set<Backend>, note: string): Upstream {
    tried.add(backend);
    this.o.log(`route ${ctx.label} -> ${backend.url} (${note})`);
    const up = new Upstream(backend, {
      method: ctx.req.method ?? 'GET',
      path: ctx.req.url ?? '/',
      headers: ctx.headers,
      body: ctx.body,
      connectTimeoutMs: this.o.connectTimeoutMs,
      idleTimeoutMs: this.has('no-timeout') ? 0 : this.o.timeoutMs,
    });
    this.active.add(up);
    ctx.active.add(up);
    up.req.once('close', () => {
      this.active.delete(up);
      ctx.active.delete(up);
    });
    return up;
  }

  /** Streams the chosen response to the client and records what it says about the backend. */
  private async deliver(ctx: Ctx, up: Upstream, upRes: IncomingMessage, prefix?: Buffer): Promise<void> {
    if (ctx.clientGone) {
      up.judge('neutral');
      return void upRes.resume(); // only with ignore-client-abort: let it run to its end, unread
    }
    const status = upRes.statusCode ?? 502;
    if (status < 500) this.o.pool.remember(ctx.affinityKey, up.backend);
    const outcome = await relay(up, upRes, ctx.res, this.o.defects, prefix);
    if (outcome.kind === 'complete') return up.judge(status < 500 ? 'ok' : 'neutral');
    if (outcome.kind === 'client-gone') return up.judge('neutral');
    this.o.log(`broken ${ctx.label} -> ${up.backend.url}: ${outcome.reason}`);
    up.judge({ fail: `mid-stream: ${outcome.reason}` });
    up.cancel('mid-stream failure');
  }

  private reply(req: IncomingMessage, res: ServerResponse, status: number, message: string): void {
    this.o.log(`respond ${req.method} ${req.url} ${status}: ${message}`);
    if (res.headersSent) return breakClient(res);
    if (!res.destroyed) this.json(res, status, { error: message });
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }
}

/** Reads the whole request body: undefined when the request has none, null if the client left. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined | null> {
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body larger than ${MAX_BODY_BYTES} bytes`);
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    return null; // the client aborted the upload
  }
  return Buffer.concat(chunks);
}

function upstreamHeaders(req: IncomingMessage, body: Buffer | undefined): OutgoingHttpHeaders {
  const connectionTokens = String(req.headers.connection ?? '').toLowerCase().split(',').map((t) => t.trim());
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !DROP_REQUEST_HEADERS.has(name) && !connectionTokens.includes(name)) out[name] = value;
  }
  if (body !== undefined) out['content-length'] = body.length;
  const prior = req.headers['x-forwarded-for'];
  const client = req.socket.remoteAddress ?? 'unknown';
  out['x-forwarded-for'] = prior === undefined ? client : `${String(prior)}, ${client}`;
  return out;
}

/** The conversation identity for KV-cache affinity: model plus first user message. */
function conversationKey(model: string, firstUser: string): string {
  return createHash('sha256').update(normalizeModel(model)).update('\0').update(firstUser).digest('hex');
}
