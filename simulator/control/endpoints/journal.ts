// GET /journal, DELETE /journal and GET /request-count/{port}: what each server saw.
import type { Context } from 'hono';
import type { Fleet } from '../../fleet.js';
import { ValidationError } from '../../schema.js';
import { ok, type ControlEndpoint } from '../endpoint.js';
import { intQuery, portParam } from '../input.js';

function readJournal(c: Context, fleet: Fleet): Response {
  const q = intQuery(c, ['port', 'since', 'limit']);
  if (q.port !== undefined) fleet.server(q.port);
  if (q.limit === 0) throw new ValidationError("query parameter 'limit' must be >= 1", 'limit');
  const records = fleet.journal(q);
  const truncated = q.limit !== undefined && records.length === q.limit;
  const cursor = truncated && records.length ? records[records.length - 1].id : Math.max(q.since ?? 0, fleet.cursor);
  return c.json({ records, cursor });
}

function clearJournal(c: Context, fleet: Fleet): Response {
  const q = intQuery(c, ['port']);
  if (q.port !== undefined) fleet.server(q.port).journal.clear();
  else fleet.clearJournal();
  return ok(c);
}

function requestCount(c: Context, fleet: Fleet): Response {
  const s = fleet.server(portParam(c));
  return c.json({ port: s.port, request_count: s.journal.requestCount });
}

export default [
  { method: 'GET', path: '/journal', handle: readJournal },
  { method: 'DELETE', path: '/journal', handle: clearJournal },
  { method: 'GET', path: '/request-count/:port', handle: requestCount },
] satisfies ControlEndpoint[];
