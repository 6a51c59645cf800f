// The hub's HTTP surface, shaped like the seed's FastAPI hub: POST /nodes/heartbeat, GET /nodes,
// GET /nodes/{node_id}, POST /jobs, GET /healthz. Its own answers are JSON with FastAPI's
// `{"detail": ...}` for errors (422 with every problem of a bad body).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HubError, type Jobs } from './jobs.js';
import type { Log, Registry } from './registry.js';
import { Invalid, parseHeartbeat } from './validate.js';

const MAX_BODY_BYTES = 16 * 1024 * 1024;

export class Hub {
  constructor(
    private readonly registry: Registry,
    private readonly jobs: Jobs,
    private readonly log: Log,
  ) {}

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    res.on('error', () => {});
    this.route(req, res).catch((err: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (err instanceof Invalid) return json(res, 422, { detail: err.problems });
      if (err instanceof HubError) {
        this.log(`respond ${req.method} ${req.url} ${err.status}: ${err.message.split('\n')[0]}`);
        return json(res, err.status, { detail: err.detail });
      }
      this.log(`respond ${req.method} ${req.url} 500: ${(err as Error).stack ?? String(err)}`);
      json(res, 500, { detail: 'Internal Server Error' });
    });
  };

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://hub').pathname;
    const method = req.method ?? 'GET';
    const node = /^\/nodes\/([^/]+)$/.exec(path);
    if (path === '/nodes/heartbeat') {
      if (method !== 'POST') return json(res, 405, { detail: 'Method Not Allowed' });
      const hb = parseHeartbeat(await readBody(req));
      this.registry.heartbeat(hb, req.socket.remoteAddress, Date.now());
      return json(res, 200, { node_id: hb.node_id, status: 'ok' });
    }
    if (path === '/jobs') {
      if (method !== 'POST') return json(res, 405, { detail: 'Method Not Allowed' });
      return this.jobs.handle(await readBody(req), res);
    }
    if (method !== 'GET' && method !== 'HEAD') {
      const known = path === '/nodes' || path === '/healthz' || node !== null;
      return json(res, known ? 405 : 404, { detail: known ? 'Method Not Allowed' : 'Not Found' });
    }
    const now = Date.now();
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/nodes') return json(res, 200, this.registry.all().map((n) => this.registry.describe(n, now)));
    if (node) {
      const entry = this.registry.get(decodeURIComponent(node[1]!));
      if (!entry) return json(res, 404, { detail: 'Node not found' });
      return json(res, 200, this.registry.describe(entry, now));
    }
    return json(res, 404, { detail: 'Not Found' });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) return reject(new HubError(413, `request body larger than ${MAX_BODY_BYTES} bytes`));
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
