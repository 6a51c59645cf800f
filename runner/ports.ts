// Ports for load balancers. Fleets bind port 0, so the OS gives them ports from its ephemeral
// range; a balancer's port is picked below that range, so a fleet starting in a parallel scenario
// can never take a balancer's port between our check and its bind. Nothing here keeps a port open.
import { readFileSync } from 'node:fs';
import net from 'node:net';

function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo > 0 && hi >= lo) return [lo, hi];
  } catch {
    // not Linux: use the IANA dynamic range
  }
  return [49152, 65535];
}

/** A free port outside the OS's ephemeral range (the caller binds it right away and retries on EADDRINUSE). */
export async function freeListenPort(host = '127.0.0.1'): Promise<number> {
  const [lo] = ephemeralRange();
  const floor = 10_000;
  if (lo - floor < 1000) return freePort(host);
  for (let i = 0; i < 50; i++) {
    const port = floor + Math.floor(Math.random() * (lo - floor));
    if (await isPortFree(port, host)) return port;
  }
  return freePort(host);
}

/** A port that was free a moment ago, chosen by the OS. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether nothing listens on the port: true when a bind to it succeeds. */
export function isPortFree(port: number, host = '0.0.0.0'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Whether a TCP connect to the port is refused (nothing accepts there any more). */
export function connectRefused(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (refused: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(refused);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(false));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED'));
  });
}
