// Reads the request body straight from the Node stream (no Web-stream conversion on the hot path)
// and notes in the journal what arrived: size, hash (so a test can prove a 10 MB body arrived
// intact), a capped copy, and the model and stream flag when the body is JSON.
import { createHash } from 'node:crypto';
import type { JournalRecord } from '../journal.js';
import { parseJsonOnce } from './body.js';
import type { Exchange } from './exchange.js';

export const JOURNAL_BODY_CAP = 4096;

/** The whole body as text, or null if the client went away first. */
export function readBody(ex: Exchange): Promise<string | null> {
  const req = ex.req;
  if (req.method === 'GET' || req.method === 'HEAD') return Promise.resolve('');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => {
      const buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      ex.record.bodyBytes = buf.length;
      if (buf.length) ex.record.bodySha256 = createHash('sha256').update(buf).digest('hex');
      resolve(buf.toString('utf8'));
    });
    req.once('error', () => resolve(null));
    req.once('aborted', () => resolve(null));
  });
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** Parses the body once (the handler reuses it) and fills the journal's model/stream fields. */
export function summarizeBody(record: JournalRecord, body: string): { parsed: unknown; model: string | null } {
  record.body = body.length > JOURNAL_BODY_CAP ? body.slice(0, JOURNAL_BODY_CAP) : body;
  if (!body) return { parsed: undefined, model: null };
  let parsed: unknown;
  try {
    parsed = parseJsonOnce(body);
  } catch {
    return { parsed: undefined, model: null };
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const o = parsed as Record<string, unknown>;
    record.model = str(o.model) ?? str(o.name) ?? str(o.Model) ?? null;
    if (typeof o.stream === 'boolean') record.stream = o.stream;
  }
  return { parsed, model: record.model };
}
