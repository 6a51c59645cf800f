// How the fuzz campaign talks to a server: whole requests over keep-alive connections with a 5 s
// deadline, and two raw-socket cases node:http cannot send: a connection that ends inside the body
// it announced, and request headers that arrive one byte at a time. An answer that is an event
// stream (GET /events) never ends: it is complete once its first event with data has arrived.
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';

export const DEADLINE_MS = 5000;

export interface Answer {
  status: number;
  contentType: string;
  /** The whole body, or of a stream what arrived up to its first event with data. */
  body: string;
  ms: number;
  /** A text/event-stream answer, cut after its first event. */
  stream?: boolean;
}

const isStream = (contentType: string): boolean => contentType.startsWith('text/event-stream');

/** True once an event stream's text holds a complete event with a data line (`retry:` alone is not one). */
function hasFirstEvent(text: string): boolean {
  return text.split('\n\n').slice(0, -1).some((block) => /^data: /m.test(block));
}

/** An answer, or 'hang' when none was complete within the deadline, or 'reset' when the connection broke. */
export type Outcome = Answer | 'hang' | 'reset';

const agents = new Map<string, Agent>();
const quieted = new WeakSet<object>();
function agentFor(origin: string): Agent {
  let agent = agents.get(origin);
  if (!agent) agents.set(origin, (agent = new Agent({ keepAlive: true, maxSockets: 16 })));
  return agent;
}

export function closeAgents(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

/**
 * node:http, because fetch refuses a body on GET (and Node frames GET/DELETE bodies only with a
 * Content-Length). `fresh`: a connection of its own, closed afterwards; for bodies a server answers
 * 413 before reading them, after which it may close the connection rather than drain it all.
 */
export interface SendOptions {
  /** A connection of its own, closed afterwards. */
  fresh?: boolean;
  headers?: Record<string, string>;
  /** The route answers a stream that never ends (GET /events): its first event completes the answer. */
  endless?: boolean;
}

export function send(origin: string, method: string, path: string, body: Buffer, opts: SendOptions = {}): Promise<Outcome> {
  const started = Date.now();
  const fresh = opts.fresh ?? false;
  return new Promise((resolve) => {
    const u = new URL(origin);
    const headers = { 'Content-Type': 'application/json', 'Content-Length': body.length, ...(fresh ? { Connection: 'close' } : {}), ...opts.headers };
    const req = request({ host: u.hostname, port: u.port, path, method, agent: fresh ? false : agentFor(origin), headers }, (res) => {
      const chunks: Buffer[] = [];
      const contentType = String(res.headers['content-type'] ?? '');
      const answer = (): Answer => ({ status: res.statusCode!, contentType, body: Buffer.concat(chunks).toString(), ms: Date.now() - started, stream: opts.endless && isStream(contentType) });
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        if (!opts.endless || !isStream(contentType) || !hasFirstEvent(Buffer.concat(chunks).toString())) return;
        clearTimeout(timer);
        resolve(answer());
        req.destroy(); // the stream does not end: its first event is the answer
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve(answer());
      });
      res.on('error', () => resolve('reset'));
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve('hang');
    }, DEADLINE_MS);
    req.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // A kept-alive connection the server closed as idle just as it was reused (Node's docs give
      // this retry): not an answer to this request, so send it again on a new connection.
      if (req.reusedSocket && err.code === 'ECONNRESET') resolve(send(origin, method, path, body, { ...opts, fresh: true }));
      else resolve('reset');
    });
    // A server may answer (413) before the body is sent and close the connection while it is
    // still being written: that EPIPE belongs to a request that already has its answer.
    req.on('socket', (socket) => {
      if (!quieted.has(socket)) socket.on('error', () => {});
      quieted.add(socket);
    });
    req.end(body);
  });
}

/** The answer in what a raw socket received (status, Content-Type, body), or null if none came. */
function rawAnswer(data: string, since: number): Answer | null {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
  if (!m) return null;
  const contentType = /content-type: ([^\r\n]*)/i.exec(data)?.[1] ?? '';
  return { status: Number(m[1]), contentType, body: data.split('\r\n\r\n').slice(1).join('\r\n\r\n'), ms: Date.now() - since, stream: isStream(contentType) };
}

/** A raw answer that is a stream with its first event in: complete (chunked framing aside). */
function rawStreamAnswer(data: string, since: number): Answer | null {
  const a = rawAnswer(data, since);
  return a?.stream && hasFirstEvent(a.body.replace(/\r\n/g, '\n')) ? a : null;
}

/**
 * What a raw socket receives, to `done`: the answer once the connection closes (`none` when no
 * answer came), or an event stream as soon as its first event is in (then the socket is closed:
 * the stream would not end). `since`: when the answer's time starts.
 */
function readRaw<None extends 'closed' | 'reset'>(socket: Socket, since: () => number, none: None, done: (outcome: Answer | None) => void): void {
  let data = '';
  socket.on('data', (d) => {
    data += d;
    const stream = rawStreamAnswer(data, since());
    if (!stream) return;
    done(stream);
    socket.destroy();
  });
  socket.on('error', () => {});
  socket.on('close', () => done(rawAnswer(data, since()) ?? none));
}

/**
 * Announces `declared` body bytes, sends `sent` of them, then ends its side of the connection.
 * The server cannot answer a body it never got whole; it must let go of the connection (close it)
 * within the deadline and stay up. Resolves 'closed', an answer, or 'hang'.
 */
export function sendTruncated(origin: string, method: string, path: string, declared: number, sent: number): Promise<'closed' | 'hang' | Answer> {
  const started = Date.now();
  return new Promise((resolve) => {
    const u = new URL(origin);
    const socket = connect(Number(u.port), u.hostname);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('hang');
    }, DEADLINE_MS);
    readRaw(socket, () => started, 'closed', (outcome) => {
      clearTimeout(timer);
      resolve(outcome);
    });
    socket.write(`${method} ${path} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`);
    socket.end('{'.padEnd(sent, ' '));
  });
}

/**
 * A complete request whose bytes (request line and headers first) arrive one at a time, `gapMs`
 * apart: the answer must come within the deadline of the last byte, and the server must keep
 * serving others meanwhile (the caller checks that).
 */
export function sendSlowly(origin: string, method: string, path: string, body: string, gapMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const u = new URL(origin);
    const raw = Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    const headerEnd = raw.indexOf('\r\n\r\n') + 4;
    const socket = connect(Number(u.port), u.hostname);
    let timer: NodeJS.Timeout | undefined;
    let lastByteAt = 0;
    readRaw(socket, () => lastByteAt, 'reset', (outcome) => {
      clearTimeout(timer);
      resolve(outcome);
    });
    let i = 0;
    const drip = () => {
      if (socket.destroyed) return;
      if (i < headerEnd) {
        if (i === headerEnd - 1) lastByteAt = Date.now(); // a GET may be answered before its body is sent
        socket.write(raw.subarray(i, i + 1));
        i++;
        setTimeout(drip, gapMs);
        return;
      }
      lastByteAt = Date.now();
      socket.write(raw.subarray(headerEnd));
      timer = setTimeout(() => {
        socket.destroy();
        resolve('hang');
      }, DEADLINE_MS);
    };
    drip();
  });
}
