// The control API (Hono). Errors are JSON `{"error": "..."}` naming the field and the allowed
// values: 400 for bad input, 404 for an unknown port or path. Never a 500 for a client mistake.
import { Hono, type Context } from 'hono';
import type { Fleet } from '../fleet.js';
import { ValidationError, isPlainObject } from '../schema.js';

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ValidationError(`request body is not valid JSON: ${(e as Error).message}`);
  }
  if (!isPlainObject(value)) throw new ValidationError('request body must be a JSON object');
  return value;
}

export function buildControlApp(fleet: Fleet): Hono {
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof ValidationError) {
      const status = /^no server on port/.test(err.message) ? 404 : 400;
      return c.json(err.toJSON(), status);
    }
    console.error('ollama-sim control API:', err);
    return c.json({ error: `internal error: ${(err as Error).message}` }, 500);
  });
  app.notFound((c) => c.json({ error: `no control endpoint ${c.req.method} ${c.req.path}` }, 404));

  app.get('/health', (c) => c.json({ status: 'ok' }));

  app.get('/status', (c) => c.json({ seed: fleet.seed, servers: fleet.list().map((s) => s.status()) }));

  app.post('/behavior', async (c) => {
    const body = await jsonBody(c);
    if (body.port === undefined) throw new ValidationError("field 'port' is required: a port, an array of ports, or {\"all\": true}", 'port');
    if (body.behavior === undefined) throw new ValidationError("field 'behavior' is required, e.g. {\"type\": \"Hang\"}", 'behavior');
    const spec = fleet.setBehavior(body.port as number, body.behavior);
    return c.json({ status: 'ok', behavior: spec.type, ports: fleet.select(body.port).map((s) => s.port) });
  });

  return app;
}
