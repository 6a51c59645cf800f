// The servers of the fleet: add, remove and restart them (elsewhere), close and reopen a listener,
// drop a server's in-flight responses, and reset every server to its start (POST /reset).
import type { Context } from 'hono';
import type { Fleet } from '../../fleet.js';
import { ValidationError } from '../../schema.js';
import { listenersSettled, ok, serverStatus, type ControlEndpoint } from '../endpoint.js';
import { jsonBody, onlyFields, portParam } from '../input.js';

async function addServer(c: Context, fleet: Fleet): Promise<Response> {
  const s = await fleet.addServer(await jsonBody(c));
  return c.json(serverStatus(s), 201);
}

/** The server stops and starts again with its settings on a new port (`port` 0 or absent: a free one), plus overrides. */
async function restartServer(c: Context, fleet: Fleet): Promise<Response> {
  const s = await fleet.restartServer(portParam(c), await jsonBody(c));
  return c.json(serverStatus(s), 201);
}

async function removeServer(c: Context, fleet: Fleet): Promise<Response> {
  const port = portParam(c);
  await fleet.removeServer(port);
  return ok(c, { removed: port });
}

/** The listening socket closes (a real ECONNREFUSED) or reopens; answers the server's status. */
async function setAdminDown(c: Context, fleet: Fleet, down: boolean): Promise<Response> {
  const s = fleet.server(portParam(c));
  s.adminDown = down;
  await s.syncListener();
  return c.json(serverStatus(s));
}

const serverDown = (c: Context, fleet: Fleet) => setAdminDown(c, fleet, true);
const serverUp = (c: Context, fleet: Fleet) => setAdminDown(c, fleet, false);

function cancelInFlight(c: Context, fleet: Fleet): Response {
  const s = fleet.server(portParam(c));
  const inFlight = [...s.inFlight];
  for (const ex of inFlight) ex.cancel();
  return c.json({ cancelled: inFlight.length });
}

async function reset(c: Context, fleet: Fleet): Promise<Response> {
  const body = await jsonBody(c);
  onlyFields(body, ['clear_counters'], 'POST /reset');
  const clear = body.clear_counters ?? false;
  if (typeof clear !== 'boolean') throw new ValidationError(`field 'clear_counters' must be true or false, got ${JSON.stringify(clear)}`, 'clear_counters');
  fleet.reset(clear);
  await listenersSettled(fleet.list());
  return ok(c);
}

export default [
  { method: 'POST', path: '/servers', spread: 'add', handle: addServer },
  { method: 'DELETE', path: '/servers/:port', spread: 'port-param', handle: removeServer },
  { method: 'POST', path: '/servers/:port/restart', spread: 'restart', handle: restartServer },
  { method: 'POST', path: '/servers/:port/down', spread: 'port-param', handle: serverDown },
  { method: 'POST', path: '/servers/:port/up', spread: 'port-param', handle: serverUp },
  { method: 'POST', path: '/cancel/:port', spread: 'port-param', handle: cancelInFlight },
  { method: 'POST', path: '/reset', spread: 'every', handle: reset },
] satisfies ControlEndpoint[];
