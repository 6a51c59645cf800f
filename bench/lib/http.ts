// Tiny HTTP helpers for readiness checks: one request, no agent, no retries of its own.
import { request } from 'node:http';

export function answers(port: number, path = '/api/version', host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode === 200));
      res.once('error', () => resolve(false));
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

/** Polls every port until each answers 200; resolves with the time (performance.now) the last did. */
export async function waitAllAnswering(ports: number[], deadline: number, path?: string): Promise<number> {
  let last = 0;
  await Promise.all(
    ports.map(async (port) => {
      while (!(await answers(port, path))) {
        if (performance.now() > deadline) throw new Error(`port ${port} did not answer in time`);
        await new Promise((r) => setTimeout(r, 2));
      }
      last = Math.max(last, performance.now());
    }),
  );
  return last;
}

/** One request; resolves with status, headers and body. */
export function fetchText(url: string, init: { method?: string; body?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', agent: false, headers: init.body ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(init.body);
  });
}
