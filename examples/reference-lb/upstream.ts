// One request to one backend: its own TCP connection, a connect timeout, an inactivity timeout,
// the backend's in-flight count, and exactly one health verdict when it is over.
import http from 'node:http';
import { describeError, type Backend } from './backends.js';

// One connection per request, never reused: a stale pooled socket would fail with ECONNRESET and
// look like a dead backend, and an aborted request must close the socket the backend generates on.
const agent = new http.Agent({ keepAlive: false });
const BODY_SLICE = 1 << 20;

/** A failure the balancer itself detected (a timeout); its message is the log reason. */
export class UpstreamError extends Error {}

export type Verdict = 'ok' | 'neutral' | { fail: string };

export type UpstreamRequest = {
  method: string;
  path: string;
  headers: http.OutgoingHttpHeaders;
  body: Buffer | undefined;
  connectTimeoutMs: number;
  /** Inactivity timeout: the backend sent nothing for this long. 0 disables it. */
  idleTimeoutMs: number;
};

export class Upstream {
  readonly req: http.ClientRequest;
  /** Resolves with the response head; rejects if the attempt fails before it. */
  readonly response: Promise<http.IncomingMessage>;
  /** Why the balancer tore the request down, if it did. */
  failure: string | undefined;
  /** Torn down on purpose (client gone, retrying elsewhere): says nothing about the backend. */
  cancelled = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private judged = false;
  private responded = false;
  private readonly trial: boolean;

  constructor(
    readonly backend: Backend,
    private readonly r: UpstreamRequest,
  ) {
    this.trial = backend.health.begin();
    backend.inFlight += 1;
    const target = new URL(backend.url);
    this.req = http.request({
      agent,
      host: target.hostname,
      port: target.port,
      method: r.method,
      path: `${target.pathname === '/' ? '' : target.pathname}${r.path}`,
      headers: r.headers,
    });
    this.response = new Promise((resolve, reject) => {
      this.req.once('response', (res) => {
        this.responded = true;
        resolve(res);
      });
      this.req.on('error', (err) => {
        // Judged here, synchronously: 'close' follows 'error' before any promise callback runs.
        if (!this.responded) this.judge(this.cancelled ? 'neutral' : { fail: describeError(err) });
        reject(err);
      });
    });
    this.response.catch(() => {}); // the balancer handles it; never an unhandled rejection
    this.req.once('socket', (socket) => this.watchConnect(socket));
    this.req.once('close', () => this.finished());
    this.sendBody(r.body);
  }

  /** The backend sent something: restart the inactivity timer. */
  touch(): void {
    clearTimeout(this.idleTimer);
    const ms = this.r.idleTimeoutMs;
    if (ms <= 0 || this.req.destroyed) return;
    this.idleTimer = setTimeout(() => this.abort(`inactivity timeout: no data from backend for ${ms}ms`), ms);
  }

  /** While the client is slow to read, the silence is ours, not the backend's. */
  pauseIdle(): void {
    clearTimeout(this.idleTimer);
  }

  /** The balancer gives up on this request on purpose (client gone, retrying elsewhere). */
  cancel(reason: string): void {
    if (this.req.destroyed) return;
    this.cancelled = true;
    this.abort(reason);
  }

  /** Records the health verdict for this request, once. Once a response head has arrived, the
   *  balancer gives it (it alone knows whether the body completed); before that, this class does. */
  judge(v: Verdict): void {
    if (this.judged) return;
    this.judged = true;
    const health = this.backend.health;
    if (v === 'ok') health.succeed('traffic');
    else if (v === 'neutral') health.neutral(this.trial);
    else health.fail(v.fail, 'traffic', Date.now(), this.responded);
  }

  private abort(reason: string): void {
    this.failure ??= reason;
    this.req.destroy(new UpstreamError(reason));
  }

  private watchConnect(socket: import('node:net').Socket): void {
    socket.setNoDelay(true);
    const ms = this.r.connectTimeoutMs;
    const timer = ms > 0 ? setTimeout(() => this.abort(`connect timeout after ${ms}ms`), ms) : undefined;
    socket.once('connect', () => {
      clearTimeout(timer);
      this.touch();
    });
    socket.once('close', () => clearTimeout(timer));
  }

  /** Writes the body in slices so a slow upload counts as activity, not as a silent backend. */
  private sendBody(body: Buffer | undefined): void {
    let offset = 0;
    const next = (): void => {
      while (body !== undefined && offset < body.length) {
        const slice = body.subarray(offset, offset + BODY_SLICE);
        offset += slice.length;
        if (!this.req.write(slice, () => this.touchIfWaiting())) return void this.req.once('drain', next);
      }
      this.req.end();
    };
    next();
  }

  private touchIfWaiting(): void {
    if (this.idleTimer !== undefined) this.touch();
  }

  private finished(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.backend.inFlight -= 1;
    if (!this.responded) this.judge('neutral'); // closed without an error: nothing learned
  }
}

/**
 * Reads a response nobody forwards to its end (each chunk to onChunk, if given), then judges the
 * backend by how it ended. Data counts as activity, so only a silent backend hits the timeout.
 */
export function drainUnread(up: Upstream, onChunk?: (chunk: Buffer) => void): void {
  up.response.then(
    (upRes) => {
      upRes.on('error', () => {});
      upRes.on('data', (chunk: Buffer) => {
        up.touch();
        onChunk?.(chunk);
      });
      upRes.on('end', () => up.judge((upRes.statusCode ?? 502) < 500 ? 'ok' : { fail: `HTTP ${upRes.statusCode}` }));
      upRes.on('close', () => up.judge(upRes.complete ? 'neutral' : { fail: 'mid-stream: closed before the end' }));
      upRes.resume();
    },
    () => {},
  );
}
