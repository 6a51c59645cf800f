// Free ports for processes the bench spawns. The CLI takes explicit ports and ranges, so the bench
// probes a random contiguous range and hands it over (a tiny race with other programs, retried).
import { createServer } from 'node:net';

function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host }, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** `count` consecutive free ports, not including `avoid`. */
export async function freePortRange(count: number, avoid: number[] = [], host = '127.0.0.1'): Promise<number[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * (30000 - count));
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if (ports.some((p) => avoid.includes(p))) continue;
    let ok = true;
    for (const p of ports) if (!(ok = await canBind(p, host))) break;
    if (ok) return ports;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

/** "20000-20009" for a contiguous list. */
export const rangeSpec = (ports: number[]): string => (ports.length === 1 ? String(ports[0]) : `${ports[0]}-${ports[ports.length - 1]}`);
