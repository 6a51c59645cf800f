// One job sent to one node (POST {node}/execute), on its own connection: a connect timeout, an
// inactivity timeout (NODE_REQUEST_TIMEOUT: the node sent nothing for that long) and the first
// point the hub can decide at: a 2xx whose first body byte arrived (from then on the job belongs
// to that node), a non-2xx answer (its body read for the message), or no answer at all.
import http from 'node:http';
import type { NodeEntry } from './registry.js';

// One connection per job, never reused: a stale pooled socket would fail like a dead node, and
// closing the connection is how a client that left stops the node's generation.
const agent = new http.Agent({ keepAlive: false });
const ERROR_BODY_CAP = 64 * 1024;

export type FirstByte =
  | { kind: 'answer'; res: http.IncomingMessage; first: Buffer | null }
  | { kind: 'refused'; status: number; message: string }
  | { kind: 'error'; message: string };

export class NodeRequest {
  readonly req: http.ClientRequest;
  readonly first: Promise<FirstByte>;
  private idle: NodeJS.Timeout | undefined;
  private failure: string | null = null;

  constructor(
    readonly node: NodeEntry,
    body: string,
    private readonly o: { connectTimeoutMs: number; idleTimeoutMs: number },
  ) {
    const url = new URL('/execute', node.baseUrl);
    this.req = http.request(url, {
      method: 'POST',
      agent,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    });
    this.first = new Promise((resolve) => {
      this.req.on('error', (e: NodeJS.ErrnoException) => resolve({ kind: 'error', message: this.failure ?? e.code ?? e.message }));
      this.req.on('response', (res) => {
        this.touch();
        const status = res.statusCode ?? 502;
        if (status < 200 || status >= 300) return void readError(res, status).then(resolve);
        // The body may end before the relay listens (a short body comes with its end): readableEnded tells.
        const onData = (chunk: Buffer) => {
          res.pause();
          resolve({ kind: 'answer', res, first: chunk });
        };
        res.once('data', onData);
        res.once('end', () => {
          res.off('data', onData);
          resolve({ kind: 'answer', res, first: null });
        });
        res.on('error', () => {}); // reported through the relay, or through req's error before the first byte
      });
    });
    this.req.once('socket', (socket) => {
      socket.setNoDelay(true);
      const timer = setTimeout(() => this.fail(`connect timeout after ${o.connectTimeoutMs} ms`), o.connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        this.touch();
      });
      socket.once('close', () => clearTimeout(timer));
    });
    this.req.once('close', () => clearTimeout(this.idle));
    this.req.end(body);
  }

  /** The node sent something: restart the inactivity timer. */
  touch(): void {
    clearTimeout(this.idle);
    if (this.o.idleTimeoutMs > 0 && !this.req.destroyed) {
      this.idle = setTimeout(() => this.fail(`no data from the node for ${this.o.idleTimeoutMs} ms`), this.o.idleTimeoutMs);
    }
  }

  /** While the client is slow to read, the silence is the hub's, not the node's. */
  pauseIdle(): void {
    clearTimeout(this.idle);
  }

  /** Tears the request down; `reason` becomes its error. */
  fail(reason: string): void {
    this.failure ??= reason;
    this.req.destroy(new Error(reason));
  }

  get reason(): string | null {
    return this.failure;
  }
}

/** A non-2xx answer: its body (FastAPI's `detail` when it is JSON) is the message. */
function readError(res: http.IncomingMessage, status: number): Promise<FirstByte> {
  return new Promise((resolve) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      if (text.length < ERROR_BODY_CAP) text += c;
    });
    const done = () => resolve({ kind: 'refused', status, message: detailOf(text) || res.statusMessage || `HTTP ${status}` });
    res.on('end', done);
    res.on('error', done);
    res.on('aborted', done);
  });
}

function detailOf(text: string): string {
  try {
    const json = JSON.parse(text) as { detail?: unknown; error?: unknown };
    const d = json.detail ?? json.error;
    return typeof d === 'string' ? d : JSON.stringify(d ?? json);
  } catch {
    return text.trim();
  }
}
