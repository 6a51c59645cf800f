// Copies one upstream response to the client as it arrives: the head at once, then every chunk,
// with backpressure in both directions. A backend failure mid-stream breaks the client stream
// (no chunked terminator), so the client can never mistake a truncated answer for a complete one.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { Defects } from './defects.js';
import { describeError } from './backends.js';
import type { Upstream } from './upstream.js';

export type RelayOutcome = { kind: 'complete' } | { kind: 'client-gone' } | { kind: 'failed'; reason: string };

const FAKE_DONE = '{"done":true,"done_reason":"stop"}\n';
// Hop-by-hop headers describe one connection, not the message (RFC 9110 7.6.1).
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** The backend's headers minus hop-by-hop ones, as a flat raw list (keeps case and repeats). */
export function responseHeaders(upRes: IncomingMessage, backendUrl: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < upRes.rawHeaders.length; i += 2) {
    const name = upRes.rawHeaders[i]!;
    if (!HOP_BY_HOP.has(name.toLowerCase())) out.push(name, upRes.rawHeaders[i + 1]!);
  }
  out.push('X-Ollama-LB-Backend', backendUrl); // which backend answered, for logs and scenarios
  return out;
}

/** Ends the client connection without finishing the HTTP message: what it already got, then FIN. */
export function breakClient(res: ServerResponse): void {
  const socket = res.socket;
  if (socket === null) return void res.destroy();
  socket.end(); // flushes the bytes the backend did send, but never the final 0-length chunk
  setTimeout(() => socket.destroy(), 1000).unref(); // a client that stopped reading can't hold it
}

/**
 * `prefix`: body bytes the balancer already read (a race winner's first token); they go out first.
 * The response may already have ended (a race answer read to its end); then only the prefix is sent.
 */
export function relay(up: Upstream, upRes: IncomingMessage, res: ServerResponse, defects: Defects, prefix?: Buffer): Promise<RelayOutcome> {
  return new Promise((resolve) => {
    const status = upRes.statusCode ?? 502;
    const headers = responseHeaders(upRes, up.backend.url);
    const ndjson = /ndjson/i.test(String(upRes.headers['content-type'] ?? ''));
    const buffering = defects.has('buffer-streams');
    const swallowing = ndjson && defects.has('swallow-inband-error');
    const rewriting = /json/i.test(String(upRes.headers['content-type'] ?? '')) && defects.has('rewrite-body');
    const lineMode = swallowing || rewriting;
    const held: Buffer[] = [];
    const decoder = new StringDecoder('utf8');
    let partialLine = '';
    let lastByte = 0x0a;
    let settled = false;

    const settle = (o: RelayOutcome): void => {
      if (settled) return;
      settled = true;
      resolve(o);
    };

    const send = (chunk: Buffer): void => {
      if (chunk.length === 0 || res.writableEnded) return;
      lastByte = chunk[chunk.length - 1]!;
      if (res.write(chunk)) return;
      upRes.pause(); // the client is slow: stop reading the backend until it catches up
      up.pauseIdle();
      res.once('drain', () => {
        up.touch();
        upRes.resume();
      });
    };

    const endWithFakeDone = (): void => {
      if (lastByte !== 0x0a) res.write('\n');
      res.end(FAKE_DONE);
    };

    // Line mode. swallow-inband-error: an error line becomes a clean end; rewrite-body: each line is re-serialised.
    const sendLines = (chunk: Buffer): void => {
      const lines = (partialLine + decoder.write(chunk)).split('\n');
      partialLine = lines.pop()!;
      for (const line of lines) {
        if (res.writableEnded) return;
        if (swallowing && /^\s*\{.*"error"\s*:/.test(line)) endWithFakeDone();
        else send(Buffer.from(`${rewriting ? rewriteJson(line) : line}\n`));
      }
    };

    if (buffering) {
      headers.splice(0, headers.length, ...withoutContentLength(headers));
    } else {
      if (lineMode || defects.has('fake-done')) headers.splice(0, headers.length, ...withoutContentLength(headers));
      res.writeHead(status, upRes.statusMessage, headers);
      res.flushHeaders(); // the head goes out now, before the first body byte
    }

    const onData = (chunk: Buffer): void => {
      up.touch();
      if (settled) return; // client gone and the upstream is being drained (ignore-client-abort)
      if (buffering) held.push(chunk);
      else if (lineMode) sendLines(chunk);
      else send(chunk);
    };

    const onEnd = (): void => {
      if (settled) return;
      if (buffering) {
        const body = Buffer.concat(held);
        res.writeHead(status, upRes.statusMessage, [...headers, 'Content-Length', String(body.length)]);
        res.end(body);
      } else {
        if (lineMode && partialLine !== '') send(Buffer.from(rewriting ? rewriteJson(partialLine) : partialLine));
        if (!res.writableEnded) res.end();
      }
      settle({ kind: 'complete' });
    };

    upRes.on('data', onData);
    upRes.on('end', onEnd);
    upRes.resume(); // a race winner was paused at its first token; data flows from the next tick
    if (prefix !== undefined && prefix.length > 0) onData(prefix); // so this goes out first
    if (upRes.readableEnded) onEnd();

    let upstreamError: unknown;
    upRes.on('error', (err) => (upstreamError = err));
    upRes.on('close', () => {
      if (settled || upRes.complete) return;
      const reason = up.failure ?? (upstreamError === undefined ? 'closed before the end of the response' : describeError(upstreamError));
      if (ndjson && !buffering && defects.has('fake-done')) endWithFakeDone();
      else breakClient(res);
      settle({ kind: 'failed', reason });
    });

    res.on('close', () => {
      if (res.writableFinished || settled) return;
      upRes.resume(); // with ignore-client-abort nobody cancels: read the upstream to its end
      settle({ kind: 'client-gone' });
    });
  });
}

// rewrite-body: a typed proxy that re-serialises each JSON line with only the fields it knows.
const KNOWN_FIELDS = ['model', 'created_at', 'message', 'response', 'done', 'error'];

function rewriteJson(line: string): string {
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    return JSON.stringify(Object.fromEntries(KNOWN_FIELDS.filter((k) => k in o).map((k) => [k, o[k]])));
  } catch {
    return line;
  }
}

function withoutContentLength(headers: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() !== 'content-length') out.push(headers[i]!, headers[i + 1]!);
  }
  return out;
}
