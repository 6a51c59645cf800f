// The control API's HTTP server (bound like the fleet, 127.0.0.1 unless --host says otherwise).
import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Fleet } from '../fleet.js';
import { buildControlApp } from './app.js';

export function createControlServer(fleet: Fleet, host: string, port: number): Promise<Server> {
  const server = createServer(getRequestListener(buildControlApp(fleet).fetch));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
