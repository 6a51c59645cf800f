// The client side of scenarios: real HTTP requests through the load balancer that record what came
// back and when (status, each line with its arrival time, how the body ended). node:http rather than
// fetch, because scenarios need to tell a clean end from a reset from a close without terminator.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface Exchange {
  /** HTTP status, or null when no response head arrived. */
  status: number | null;
  headers: IncomingHttpHeaders;
  /** The whole body as received. */
  body: string;
  /** Non-empty lines (NDJSON) or SSE `data:` payloads, with arrival times (ms since the request began). */
  lines: Array<{ text: string; at: number }>;
  /** Time to the response head / first body byte, ms since the request began (null if none). */
  headersAt: number | null;
  firstByteAt: number | null;
  /** ms since the request began when the body ended or failed. */
  endedAt: number;
  /** How the exchange ended. */
  ending: 'complete' | 'error' | 'aborted-by-client' | 'timeout';
  /** The transport error (e.g. ECONNRESET, "aborted"), if any. */
  error: string | null;
}

export interface RequestOptions {
  method?: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Give up (and destroy the socket) after this long; the ending is then 'timeout'. Default 30 s. */
  timeoutMs?: number;
  /** Destroy the request once this many lines have arrived (a client that goes away mid-stream). */
  abortAfterLines?: number;
  signal?: AbortSignal;
}

/** Sends one request and records everything about the response. Never throws for HTTP-level trouble. */
export function send(baseUrl: string, o: RequestOptions): Promise<Exchange> {
  const started = performance.now();
  const since = () => performance.now() - started;
  const url = new URL(o.path, baseUrl);
  const payload = o.body === undefined ? undefined : typeof o.body === 'string' || Buffer.isBuffer(o.body) ? o.body : JSON.stringify(o.body);
  return new Promise((resolve) => {
    const ex: Exchange = { status: null, headers: {}, body: '', lines: [], headersAt: null, firstByteAt: null, endedAt: 0, ending: 'complete', error: null };
    let settled = false;
    let pending = '';
    const finish = (ending: Exchange['ending'], error: string | null = null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (pending.trim()) pushLine(pending);
      ex.ending = ending;
      ex.error = error;
      ex.endedAt = since();
      resolve(ex);
    };
    const pushLine = (line: string) => {
      const text = line.startsWith('data:') ? line.slice(5).trim() : line.trim();
      if (text && !line.startsWith('event:')) ex.lines.push({ text, at: since() });
    };
    const req = httpRequest(url, {
      method: o.method ?? (payload === undefined ? 'GET' : 'POST'),
      headers: { ...(payload !== undefined ? { 'Content-Type': 'application/json' } : {}), ...o.headers },
      agent: false,
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish('timeout', `no end within ${o.timeoutMs ?? 30_000} ms`);
    }, o.timeoutMs ?? 30_000);
    const onAbort = () => {
      req.destroy();
      finish('aborted-by-client');
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('response', (res) => {
      ex.status = res.statusCode ?? null;
      ex.headers = res.headers;
      ex.headersAt = since();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        ex.firstByteAt ??= since();
        ex.body += chunk;
        pending += chunk;
        const parts = pending.split('\n');
        pending = parts.pop()!;
        for (const p of parts) pushLine(p);
        if (o.abortAfterLines !== undefined && ex.lines.length >= o.abortAfterLines) {
          req.destroy();
          finish('aborted-by-client');
        }
      });
      res.on('end', () => finish('complete'));
      res.on('aborted', () => finish('error', 'aborted'));
      res.on('error', (e: NodeJS.ErrnoException) => finish('error', e.code ?? e.message));
      res.on('close', () => finish(res.complete ? 'complete' : 'error', res.complete ? null : 'closed before the end of the body'));
    });
    req.on('error', (e: NodeJS.ErrnoException) => finish('error', e.code ?? e.message));
    req.end(payload);
  });
}

export const chatBody = (content: string, o: { stream?: boolean; model?: string; numPredict?: number } = {}) => ({
  model: o.model ?? 'test-model:latest',
  messages: [{ role: 'user', content }],
  stream: o.stream ?? true,
  ...(o.numPredict !== undefined ? { options: { num_predict: o.numPredict } } : {}),
});

/** POST /api/chat through the balancer. */
export function chat(baseUrl: string, content: string, o: { stream?: boolean; model?: string; numPredict?: number } & Omit<RequestOptions, 'path' | 'body'> = {}): Promise<Exchange> {
  return send(baseUrl, { ...o, path: '/api/chat', body: chatBody(content, o) });
}

/** The parsed JSON lines of an NDJSON exchange (lines that do not parse are skipped). */
export function jsonLines(ex: Exchange): Array<Record<string, unknown>> {
  return ex.lines.flatMap((l) => {
    try {
      return [JSON.parse(l.text) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** True when the stream ended cleanly with a `done: true` line and nothing went wrong. */
export function completedWithDone(ex: Exchange): boolean {
  return ex.ending === 'complete' && ex.status === 200 && jsonLines(ex).some((l) => l.done === true);
}

export function describe(ex: Exchange): string {
  return `status ${ex.status ?? 'none'}, ${ex.lines.length} lines, ending ${ex.ending}${ex.error ? ` (${ex.error})` : ''}, body ${JSON.stringify(ex.body.slice(0, 160))}`;
}
