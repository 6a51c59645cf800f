// A raw HTTP client for the compatibility-layer tests: the exact bytes of a response and whether
// it ended cleanly (a terminating chunk) or the connection went away mid-body.
import http from 'node:http';
import type { Test } from 'uvu';
import { startFleet, type Fleet } from '../../simulator/index.js';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body ended normally; false when the connection closed before the end. */
  complete: boolean;
}

export function rawPost(url: string, body: unknown, timeoutMs = 10_000): Promise<RawResponse> {
  return rawRequest('POST', url, typeof body === 'string' ? body : JSON.stringify(body), timeoutMs);
}

/** One request on its own connection (no keep-alive pool, so nothing stays open after the test). */
export function rawRequest(method: string, url: string, body = '', timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      let complete = false;
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => (complete = true));
      res.on('error', () => {});
      res.on('close', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, complete });
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no complete response from ${url} within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(body);
  });
}

/** The `data:` payloads of an SSE body, in order (events split on blank lines). */
export function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .filter((e) => e.trim() !== '')
    .map((e) => e.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n'));
}

/** `event:` names of an SSE body, in order. */
export function sseEvents(text: string): string[] {
  return text
    .split('\n\n')
    .filter((e) => e.trim() !== '')
    .map((e) => e.split('\n').find((l) => l.startsWith('event: '))?.slice(7) ?? '');
}

/** Settings that make generation fast and deterministic in length. */
export const FAST = { tokens_per_sec: 2000, load_ms: 0, num_tokens: 6 };

/**
 * One fleet (FAST settings) for a whole suite: `started` gets it before the first test; it is
 * stopped after the last, and each test's behavior change is undone after that test.
 */
export function fleetPerSuite(suite: Test, started: (fleet: Fleet) => void): void {
  let fleet: Fleet;
  suite.before(async () => {
    fleet = await startFleet({ servers: 1, controlPort: 0, defaults: FAST });
    started(fleet);
  });
  suite.after(async () => {
    await fleet.stop();
  });
  suite.after.each(() => {
    fleet.setBehavior(fleet.ports[0], { type: 'Normal' });
  });
}
