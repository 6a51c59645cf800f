// The control API's HTTP server (bound like the fleet, 127.0.0.1 unless --host says otherwise).
import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AttachedControl, Fleet } from '../fleet.js';
import { buildControlApp } from './app.js';

/** Serves `app` (default: the control app of `fleet`). */
export function startControlServer(fleet: Fleet, host: string, port: number, app: Hono = buildControlApp(fleet)): Promise<AttachedControl> {
  const server = createServer(getRequestListener(app.fetch));
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', reject);
      resolve({ port: (server.address() as { port: number }).port, close });
    });
  });
}
