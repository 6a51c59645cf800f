// Reads the request body straight from the Node stream (no Web-stream conversion on the hot path),
// up to the server's max_body_bytes, and notes in the journal what arrived: size, hash (so a test
// can prove a 10 MB body arrived intact), a capped copy, and the model and stream flag when the
// body is JSON.
import { hash } from 'node:crypto';
import { parseJsonOnce } from './body.js';
import type { Exchange } from './exchange.js';

/** The 413 for a body over the server's max_body_bytes, in the route's envelope; names the limit and the setting. */
export function bodyTooLargeMessage(limit: number): string {
  return `http: request body too large: the limit is ${limit} bytes (setting max_body_bytes)`;
}

/**
 * The 413 in the route's envelope. A node agent (POST /execute) refuses the body itself, in
 * FastAPI's `{"detail"}`: it is not an error of its Ollama, which the agent would relay as a 502.
 */
function sendTooLarge(ex: Exchange, limit: number): void {
  const message = bodyTooLargeMessage(limit);
  if (ex.envelope === 'agent') ex.send(413, { 'Content-Type': 'application/json' }, JSON.stringify({ detail: message }));
  else ex.sendError(413, message);
}

function hasBody(req: Exchange['req']): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * The whole body as text ('' for GET and HEAD, whose body Ollama ignores), or null when there is
 * nothing more to do: the client went away first, or the body is over the server's max_body_bytes
 * and a 413 was sent. Past the limit the bytes are counted and dropped, and the 413 goes out once
 * the body has ended: a server that answers early and then closes makes the kernel reset the
 * connection over the unread bytes, and the client loses the answer (Go lingers for this; Node
 * does not).
 */
export function readBody(ex: Exchange): string | Promise<string | null> {
  const req = ex.req;
  const ignored = req.method === 'GET' || req.method === 'HEAD';
  if (ignored && !hasBody(req)) return ''; // at once: no promise for the common GET
  const limit = ex.server.settings.max_body_bytes;
  return new Promise((resolve) => {
    let chunks: Buffer[] = [];
    let received = 0;
    let tooLarge = !ignored && Number(req.headers['content-length']) > limit;
    req.on('data', (c: Buffer) => {
      received += c.length;
      if (ignored || tooLarge) return;
      if (received > limit) {
        tooLarge = true;
        chunks = [];
        return;
      }
      chunks.push(c);
    });
    req.once('end', () => {
      if (ignored || tooLarge) {
        ex.journal.body(ex.record, received, ''); // its size; no hash of bytes that were dropped
        if (ignored) return resolve('');
        sendTooLarge(ex, limit);
        return resolve(null);
      }
      const buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      ex.journal.body(ex.record, buf.length, buf.length ? hash('sha256', buf, 'hex') : ''); // one shot: no Hash object
      resolve(buf.toString('utf8'));
    });
    req.once('error', () => resolve(null));
    req.once('aborted', () => resolve(null));
  });
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function parsedOrUndefined(body: string): unknown {
  try {
    return body ? parseJsonOnce(body) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Parses the body once (the handler reuses it) and notes in the journal what it asked for: the
 * model (`model`, `name` or `Model`) and `stream`, when the body is a JSON object that has them.
 */
export function summarizeBody(ex: Exchange, body: string): { parsed: unknown; model: string | null } {
  const parsed = parsedOrUndefined(body);
  const o = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  const model = o === null ? null : (str(o.model) ?? str(o.name) ?? str(o.Model) ?? null);
  ex.journal.request(ex.record, body, model, o !== null && typeof o.stream === 'boolean' ? o.stream : null);
  return { parsed, model };
}
