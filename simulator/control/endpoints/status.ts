// GET /health and GET /status: is the control API up, and every server's state in port order.
import type { Context } from 'hono';
import type { Fleet } from '../../fleet.js';
import { serverStatus, type ControlEndpoint } from '../endpoint.js';

function health(c: Context): Response {
  return c.json({ status: 'ok' });
}

function status(c: Context, fleet: Fleet): Response {
  return c.json({ seed: fleet.seed, control_url: fleet.controlUrl, servers: fleet.list().map(serverStatus) });
}

export default [
  { method: 'GET', path: '/health', spread: 'parent', handle: health },
  { method: 'GET', path: '/status', spread: 'status', handle: status },
] satisfies ControlEndpoint[];
