// Node agents (servers started with hub_url): their heartbeats on or off (off: a silent node that
// still serves), lies in what they advertise (a model they do not have, load 0 while busy), one
// heartbeat now, and the journal of heartbeats sent with the hub's answers.
import type { Context } from 'hono';
import type { NodeAgent } from '../../agent/node-agent.js';
import { parseAdvertise } from '../../agent/heartbeat.js';
import type { Fleet } from '../../fleet.js';
import { ValidationError } from '../../schema.js';
import type { SimServer } from '../../server.js';
import { ok, portsOf, readPage, type ControlEndpoint } from '../endpoint.js';
import { intQuery, jsonBody, onlyFields, portSelector } from '../input.js';

/** The node agents of the selected servers; a server without hub_url is an error naming it. */
function agentsOf(fleet: Fleet, selector: unknown): Array<{ server: SimServer; agent: NodeAgent }> {
  return fleet.select(selector).map((server) => ({ server, agent: fleet.agent(server.port) }));
}

async function configure(c: Context, fleet: Fleet): Promise<Response> {
  const body = await jsonBody(c);
  onlyFields(body, ['port', 'heartbeats', 'advertise'], 'POST /agent');
  const agents = agentsOf(fleet, portSelector(body));
  if (body.heartbeats === undefined && body.advertise === undefined) {
    throw new ValidationError(`POST /agent: give 'heartbeats' (true or false) and/or 'advertise' (an object, or null for the truth)`, 'heartbeats');
  }
  if (body.heartbeats !== undefined && typeof body.heartbeats !== 'boolean') {
    throw new ValidationError(`field 'heartbeats' must be true or false, got ${JSON.stringify(body.heartbeats)}`, 'heartbeats');
  }
  const advertise = body.advertise === undefined ? undefined : parseAdvertise(body.advertise);
  for (const { agent } of agents) {
    if (advertise !== undefined) agent.advertise = advertise;
    if (typeof body.heartbeats === 'boolean') agent.setHeartbeats(body.heartbeats);
  }
  return ok(c, { ports: portsOf(agents.map((a) => a.server)), agents: agents.map((a) => a.agent.status()) });
}

/** One heartbeat now from each selected agent; answers once each has ended. */
async function beat(c: Context, fleet: Fleet): Promise<Response> {
  const body = await jsonBody(c);
  onlyFields(body, ['port'], 'POST /agent/beat');
  const agents = agentsOf(fleet, portSelector(body));
  const down = agents.find((a) => !a.server.listening);
  if (down) throw new ValidationError(`the listener of port ${down.server.port} is closed, so its agent is down and sends nothing; POST /servers/${down.server.port}/up first`, 'port');
  const heartbeats = await Promise.all(agents.map((a) => a.agent.beatNow()));
  return c.json({ heartbeats });
}

function readHeartbeats(c: Context, fleet: Fleet): Response {
  const { records, cursor } = readPage(c, fleet, (q) => fleet.heartbeats(q));
  return c.json({ heartbeats: records, cursor });
}

function clearHeartbeats(c: Context, fleet: Fleet): Response {
  const q = intQuery(c, ['port']);
  if (q.port !== undefined) fleet.server(q.port).heartbeats.clear();
  else fleet.clearHeartbeats();
  return ok(c);
}

export default [
  { method: 'POST', path: '/agent', spread: 'selector', handle: configure },
  { method: 'POST', path: '/agent/beat', spread: 'selector', handle: beat },
  { method: 'GET', path: '/heartbeats', spread: 'records', handle: readHeartbeats },
  { method: 'DELETE', path: '/heartbeats', spread: 'every', handle: clearHeartbeats },
] satisfies ControlEndpoint[];
