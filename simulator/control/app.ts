// The control API (Hono): every endpoint of endpoints/ (one file per resource), mounted on one app.
// Payloads of the Rust simulator's control API keep working; errors are JSON
// `{"error", "field", "allowed"}`: 400 for bad input, 404 for an unknown port or path, 409 for a
// port that cannot be bound. Never a 500 for a client mistake.
import { Hono, type Context } from 'hono';
import type { Fleet } from '../fleet.js';
import { ValidationError } from '../schema.js';
import { readWholeBody } from './body-limit.js';
import type { ControlEndpoint } from './endpoint.js';
import { CONTROL_ENDPOINTS } from './endpoints/all.js';
import { guard } from './guard.js';

/** The body stream broke: the client closed the connection before sending all it announced. */
const clientLeft = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ECONNRESET' && (err as Error).message === 'aborted';

/** The code of the error a --workers fleet gives for a worker thread that died (hosts/worker-host.ts). */
export const WORKER_GONE = 'EWORKERGONE';

function errorStatus(err: unknown): 400 | 404 | 409 | 503 | null {
  if (err instanceof ValidationError) {
    if (/^no server on port/.test(err.message)) return 404;
    if (/already a server|is already the id|is the control port|listener of port \d+ is closed/.test(err.message)) return 409;
    return 400;
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') return 409;
  if (code === WORKER_GONE) return 503;
  if (clientLeft(err)) return 400;
  return null;
}

function errorBody(err: unknown): Record<string, unknown> {
  if (err instanceof ValidationError) return err.toJSON();
  if (clientLeft(err)) return { error: 'request body incomplete: the connection closed before all of it arrived', field: 'body' };
  if ((err as NodeJS.ErrnoException).code === WORKER_GONE) return { error: (err as Error).message };
  return { error: `cannot listen: ${(err as Error).message}`, field: 'port' };
}

export interface ControlAppOptions {
  /** The Host/Origin guard (default on; a worker thread's app is reached only through a guarded one). */
  guard?: boolean;
  /** How an endpoint is answered; default: its handler on `fleet` (hosts/control.ts spreads it over workers). */
  route?: (endpoint: ControlEndpoint) => (c: Context) => Response | Promise<Response>;
}

export function buildControlApp(fleet: Fleet, options: ControlAppOptions = {}): Hono {
  const app = new Hono();
  const route = options.route ?? ((endpoint) => (c) => endpoint.handle(c, fleet));

  app.onError((err, c) => {
    const status = errorStatus(err);
    if (status === null) {
      console.error('ollama-sim control API:', err);
      return c.json({ error: `internal error: ${(err as Error).message}` }, 500);
    }
    return c.json(errorBody(err), status);
  });
  app.notFound((c) => c.json({ error: `no control endpoint ${c.req.method} ${c.req.path}; see GET /status, POST /behavior, GET /journal, GET /metrics` }, 404));

  if (options.guard !== false) app.use(guard(fleet.host));
  app.use(readWholeBody);
  for (const endpoint of CONTROL_ENDPOINTS.flat()) app.on(endpoint.method, endpoint.path, route(endpoint));
  return app;
}
