// GET /journal, DELETE /journal and GET /request-count/{port}: what each server saw.
import type { Context } from 'hono';
import type { Fleet } from '../../fleet.js';
import { ok, readPage, type ControlEndpoint } from '../endpoint.js';
import { intQuery, portParam } from '../input.js';

function readJournal(c: Context, fleet: Fleet): Response {
  return c.json(readPage(c, fleet, (q) => fleet.journal(q)));
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
  { method: 'GET', path: '/journal', spread: 'records', handle: readJournal },
  { method: 'DELETE', path: '/journal', spread: 'every', handle: clearJournal },
  { method: 'GET', path: '/request-count/:port', spread: 'port-param', handle: requestCount },
] satisfies ControlEndpoint[];
