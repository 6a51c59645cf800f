// GET /kv-cache/{port} and POST /kv-cache/clear: what each slot's KV cache holds.
import type { Context } from 'hono';
import type { Fleet } from '../../fleet.js';
import { ok, portsOf, type ControlEndpoint } from '../endpoint.js';
import { jsonBody, onlyFields, portParam, portSelector } from '../input.js';

function kvCache(c: Context, fleet: Fleet): Response {
  const s = fleet.server(portParam(c));
  const slots = s.kv.snapshot();
  return c.json({ port: s.port, token_count: slots[0]?.token_count ?? 0, tokens: slots[0]?.tokens ?? [], slots });
}

async function clearKvCache(c: Context, fleet: Fleet): Promise<Response> {
  const body = await jsonBody(c);
  onlyFields(body, ['port'], 'POST /kv-cache/clear');
  const servers = fleet.select(portSelector(body));
  for (const s of servers) s.kv.clear();
  return ok(c, { ports: portsOf(servers) });
}

export default [
  { method: 'GET', path: '/kv-cache/:port', spread: 'port-param', handle: kvCache },
  { method: 'POST', path: '/kv-cache/clear', spread: 'selector', handle: clearKvCache },
] satisfies ControlEndpoint[];
