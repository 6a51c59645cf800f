// A raw HTTP/1.1 client over node:net, for tests that assert on the bytes and the TCP events a
// simulated server produces: what arrived, whether it ended with FIN ('end'), RST (ECONNRESET),
// or nothing at all. Every wait has a deadline and rejects with what was seen so far.
import type { Test } from 'uvu';
import net from 'node:net';
import { startFleet, type Fleet, type FleetOptions } from '../../simulator/index.js';

export interface Seen {
  text: string;
  bytes: number;
  /** A FIN arrived (the 'end' event). */
  ended: boolean;
  closed: boolean;
  error: string | null;
}

export class RawConnection {
  readonly socket: net.Socket;
  private data = Buffer.alloc(0);
  private ended = false;
  private closed = false;
  private error: string | null = null;
  private readonly waiters = new Set<() => void>();
  readonly connected: Promise<void>;
  /** Arrival time (performance.now) of every data event, with the byte count so far. */
  readonly arrivals: Array<{ at: number; total: number }> = [];

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
    this.connected.catch(() => {}); // a refused or reset connect is reported through `seen`
    this.socket.on('data', (c: Buffer) => {
      this.data = Buffer.concat([this.data, c]);
      this.arrivals.push({ at: performance.now(), total: this.data.length });
      this.notify();
    });
    this.socket.on('end', () => {
      this.ended = true;
      this.notify();
    });
    this.socket.on('error', (e: NodeJS.ErrnoException) => {
      this.error = e.code ?? e.message;
      this.notify();
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  private notify(): void {
    for (const w of this.waiters) w();
  }

  get seen(): Seen {
    return { text: this.data.toString('latin1'), bytes: this.data.length, ended: this.ended, closed: this.closed, error: this.error };
  }

  send(text: string): this {
    this.socket.write(text);
    return this;
  }

  /** Resolves once `pred(seen)` holds; rejects after `ms` with what was seen. */
  until(pred: (s: Seen) => boolean, ms = 5000, what = 'condition'): Promise<Seen> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const s = this.seen;
        if (!pred(s)) return;
        done();
        resolve(s);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${ms} ms waiting for ${what}; seen: ${JSON.stringify(this.seen)}`));
      }, ms);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  untilClosed(ms = 5000): Promise<Seen> {
    return this.until((s) => s.closed, ms, 'the connection to close');
  }

  untilText(fragment: string, ms = 5000): Promise<Seen> {
    return this.until((s) => s.text.includes(fragment), ms, JSON.stringify(fragment));
  }

  /** Waits `ms` and returns what was seen: the assertion for "silent, socket open". */
  async quietFor(ms: number): Promise<Seen> {
    await new Promise((r) => setTimeout(r, ms));
    return this.seen;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export function request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): string {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  if (text || method === 'POST') lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(text)}`);
  return lines.join('\r\n') + '\r\n\r\n' + text;
}

export const CHAT = { model: 'test-model', messages: [{ role: 'user', content: 'hello there' }] };

export function chatRequest(extra: Record<string, unknown> = {}): string {
  return request('POST', '/api/chat', { ...CHAT, ...extra });
}

/** Splits a raw response into status line, headers and raw body. */
export function parseResponse(text: string): { status: number; headers: Record<string, string>; body: string } | null {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return null;
  const [statusLine, ...headerLines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const h of headerLines) {
    const i = h.indexOf(':');
    headers[h.slice(0, i).toLowerCase()] = h.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4) };
}

/** Decodes chunked framing: the payload, whether the terminating chunk came, and any framing error. */
export function dechunk(raw: string): { payload: string; terminated: boolean; malformed: boolean } {
  let payload = '';
  let i = 0;
  while (i < raw.length) {
    const eol = raw.indexOf('\r\n', i);
    if (eol === -1) return { payload, terminated: false, malformed: false };
    const sizeText = raw.slice(i, eol);
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) return { payload, terminated: false, malformed: true };
    const size = parseInt(sizeText, 16);
    if (size === 0) return { payload, terminated: raw.slice(eol, eol + 4) === '\r\n\r\n', malformed: false };
    payload += raw.slice(eol + 2, eol + 2 + size);
    i = eol + 2 + size + 2;
  }
  return { payload, terminated: false, malformed: false };
}

/** Complete NDJSON lines of a payload (a partial last line is dropped). */
export function ndjsonLines(payload: string): string[] {
  const parts = payload.split('\n');
  parts.pop();
  return parts;
}

/** The body of a raw chunked response as complete lines. */
export function streamedLines(text: string): { lines: string[]; terminated: boolean; malformed: boolean } {
  const res = parseResponse(text);
  if (!res) return { lines: [], terminated: false, malformed: false };
  const { payload, terminated, malformed } = dechunk(res.body);
  return { lines: ndjsonLines(payload), terminated, malformed };
}

/** Fast servers so the tests spend little time waiting for tokens. */
export const FAST = { tokens_per_sec: 500, load_ms: 0, num_tokens: 8 };

/**
 * OLLAMA_SIM_TEST_WORKERS=N starts every fleet of a suite on N worker threads: test/hosts/ runs the
 * control API suites so, which steer through the control API only (a WorkerFleet has no `server()`).
 */
const TEST_WORKERS = Number(process.env.OLLAMA_SIM_TEST_WORKERS ?? 0);

/** A fleet plus tracking of raw connections, all closed by close(). */
export async function wireFleet(options: FleetOptions = {}): Promise<{ fleet: Fleet; port: number; open(port?: number): RawConnection; close(): Promise<void> }> {
  const fleet = (await startFleet({ servers: 1, controlPort: 0, defaults: FAST, ...options, workers: TEST_WORKERS })) as Fleet;
  const conns: RawConnection[] = [];
  return {
    fleet,
    port: fleet.ports[0],
    open(port = fleet.ports[0]) {
      const c = new RawConnection(port);
      conns.push(c);
      return c;
    },
    async close() {
      for (const c of conns) c.destroy();
      await fleet.stop();
    },
  };
}

export type WireFleet = Awaited<ReturnType<typeof wireFleet>>;

/**
 * A fresh fleet for every test of a suite, stopped after it. The returned object is filled in
 * before each test: `const h = fleetPerTest(test); ... h.fleet, h.port, h.open()`.
 */
export function fleetPerTest(suite: Test, options: FleetOptions = {}): WireFleet {
  const h = {} as WireFleet;
  suite.before.each(async () => {
    Object.assign(h, await wireFleet(options));
  });
  suite.after.each(async () => {
    await h.close();
  });
  return h;
}

/** ECONNREFUSED or another connect error code, or 'connected'. */
export function connectResult(port: number, ms = 3000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      s.destroy();
      resolve('timeout');
    }, ms);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(e.code ?? e.message);
    });
  });
}

/** POST to the control API; returns status and parsed JSON. */
export async function control(fleet: Fleet, method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(fleet.controlUrl + path, {
    method,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON (metrics) */
  }
  return { status: res.status, json, text };
}

export async function setBehavior(fleet: Fleet, port: number | unknown, behavior: unknown): Promise<void> {
  const r = await control(fleet, 'POST', '/behavior', { port, behavior });
  if (r.status !== 200) throw new Error(`POST /behavior ${JSON.stringify(behavior)} -> ${r.status} ${r.text}`);
}
