// POST /behavior and POST /behavior/sequence: what the selected servers do with the next requests.
// A listener-level change (ConnectionRefused) has taken effect when they answer.
import type { Context } from 'hono';
import type { Fleet } from '../../fleet.js';
import { ValidationError } from '../../schema.js';
import { listenersSettled, ok, portsOf, type ControlEndpoint } from '../endpoint.js';
import { jsonBody, onlyFields, portSelector, required } from '../input.js';

async function setBehavior(c: Context, fleet: Fleet): Promise<Response> {
  const body = await jsonBody(c);
  onlyFields(body, ['port', 'behavior'], 'POST /behavior');
  const selector = portSelector(body);
  const servers = fleet.select(selector);
  const spec = fleet.setBehavior(selector as number, required(body, 'behavior', '{"type": "Hang"}'));
  await listenersSettled(servers);
  return ok(c, { behavior: spec.type, ports: portsOf(servers) });
}

async function setSequence(c: Context, fleet: Fleet): Promise<Response> {
  const body = await jsonBody(c);
  onlyFields(body, ['port', 'steps'], 'POST /behavior/sequence');
  const selector = portSelector(body);
  const servers = fleet.select(selector);
  const steps = required(body, 'steps', '[{"type": "FailMidStream", "times": 2}, {"type": "Normal"}]');
  if (!Array.isArray(steps) || steps.length === 0) throw new ValidationError(`field 'steps' must be a non-empty array of behaviors, got ${JSON.stringify(steps)}`, 'steps');
  fleet.setSequence(selector as number, steps);
  await listenersSettled(servers);
  return ok(c, { ports: portsOf(servers), behavior: servers[0].behavior.describe() });
}

export default [
  { method: 'POST', path: '/behavior', spread: 'selector', handle: setBehavior },
  { method: 'POST', path: '/behavior/sequence', spread: 'selector', handle: setSequence },
] satisfies ControlEndpoint[];
