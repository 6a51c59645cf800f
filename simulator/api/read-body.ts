// Reads the request body straight from the Node stream (no Web-stream conversion on the hot path)
// and notes in the journal what arrived: size, hash (so a test can prove a 10 MB body arrived
// intact), a capped copy, and the model and stream flag when the body is JSON.
import { createHash } from 'node:crypto';
import { parseJsonOnce } from './body.js';
import type { Exchange } from './exchange.js';

/** The whole body as text, or null if the client went away first. */
export function readBody(ex: Exchange): Promise<string | null> {
  const req = ex.req;
  if (req.method === 'GET' || req.method === 'HEAD') return Promise.resolve('');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => {
      const buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      ex.journal.body(ex.record, buf.length, buf.length ? createHash('sha256').update(buf).digest('hex') : '');
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
