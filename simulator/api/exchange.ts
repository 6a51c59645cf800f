// One request and its response on the wire. Every byte a simulated server sends goes through here,
// so the journal counts what really left, and the behavior's modifiers (trickled bytes, a byte
// budget) and its cut happen on the real socket. What a cut does is its file in simulator/cuts/;
// this writer takes it where the behavior asks (after N chunks, instead of a body, after N bytes,
// before any response) and provides the wire actions the cuts use (CutWire).
import { createHash, hash, type Hash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Effect } from '../behaviors/types.js';
import { cutDefinition, type Cut } from '../cuts/registry.js';
import type { Chunk, CutResult, CutWire, Headers, StreamFormat, WholeBody } from '../cuts/types.js';
import { after, now, sleepUntil } from '../engine/clock.js';
import type { FaultKind, JournalRecord } from '../journal/record.js';
import type { JournalWriter } from '../journal/writer.js';
import type { SimServer } from '../server.js';
import { errorBody, type Envelope } from './errors.js';

export type { Headers } from '../cuts/types.js';

const NO_BODY = (): WholeBody => ({ headers: {}, body: '' });

/** No extra headers (a same-origin request): the head is written without merging a copy. */
export const NO_HEADERS: Headers = Object.freeze({});

// One reason for every abort: AbortController.abort() without one builds a DOMException (with a
// stack trace) per response, a measurable share of a request's CPU.
const RESPONSE_CLOSED = new Error('response closed');

/**
 * How long an RST waits after bytes of its response went out. A client that receives data and the
 * RST in one read may report a clean EOF (libuv does: POLLHUP after a partial read), so the bytes
 * are let through first and the reset comes as its own event.
 */
export const RESET_AFTER_DATA_MS = 50;

/** Characters of body text hashed in one update (writtenSha256). */
const HASH_BATCH = 16 * 1024;

const CRLF = Buffer.from('\r\n', 'latin1');

/** Characters of framed chunks an exchange holds before it writes them without waiting for the tick's end. */
const OUT_MAX = 16 * 1024;

/** Exchanges with chunks waiting for the end of the tick; one process.nextTick flushes them all. */
let unflushed: Exchange[] = [];

function flushUnflushed(): void {
  const list = unflushed;
  unflushed = [];
  for (const ex of list) ex.flushOut();
}

export class Exchange implements CutWire {
  readonly arrived = now();
  /** Aborts when the client goes away before the response finished. */
  private aborter: AbortController | null = null;
  /** The behavior's modifiers for a normally served request. */
  effect: Extract<Effect, { kind: 'serve' }> = { kind: 'serve' };
  /** The error envelope of the route (native, OpenAI, Anthropic). */
  envelope: Envelope = 'native';
  /** Added to every response head (CORS). */
  extraHeaders: Headers = NO_HEADERS;
  private ended = false;
  /** A socket cut was taken: nothing more may leave through HTTP (no late terminator). */
  private sealed = false;
  /** The cut replaced the non-streamed body; what its whole form sends goes out as it is. */
  private wholeCutTaken = false;
  /** A cut keeps the response open and silent (stall): the runner slot stays taken until it closes. */
  held = false;
  private outbox: Buffer[] = [];
  private draining: Promise<void> | null = null;
  /** Hash of the body bytes counted in the journal (made at the first one): the record's writtenSha256. */
  private written: Hash | null = null;
  /** Body text counted but not hashed yet: one hash update per HASH_BATCH characters, not one per line. */
  private unhashed = '';
  /** The writtenSha256 of a body that left in one piece (send): one-shot, or known in advance. */
  private wholeSha256: string | null = null;
  /** The status line and headers were handed to the socket (a write or a flush went through node:http). */
  private headOut = false;
  /** Framed chunks of this tick, not yet written (see chunk). */
  private out = '';
  /** `out` is ASCII only, so latin1 writes it exactly. */
  private outAscii = true;
  /** The only code that changes `record`. */
  readonly journal: JournalWriter;

  constructor(
    readonly server: SimServer,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly record: JournalRecord,
    /** The route pattern /metrics counts this request under (`unrouted` for none). */
    private readonly endpoint: string,
  ) {
    this.journal = server.journal;
    server.inFlight.add(this);
    res.once('close', () => this.onClose());
  }

  /**
   * Aborts when the client goes away before the response finished. Made on first use: most
   * responses (health probes, tags) never wait on anything, and an AbortController per request
   * is a measurable share of their CPU.
   */
  get signal(): AbortSignal {
    if (!this.aborter) {
      this.aborter = new AbortController();
      if (this.ended) this.aborter.abort(RESPONSE_CLOSED);
    }
    return this.aborter.signal;
  }

  get socket(): Socket {
    return this.req.socket;
  }

  get cut(): Cut | undefined {
    return this.effect.cut;
  }

  /** The client is gone or the response is over: generation should stop. */
  get closed(): boolean {
    return this.ended;
  }

  get headersSent(): boolean {
    return this.res.headersSent;
  }

  private onClose(): void {
    this.ended = true;
    this.out = '';
    this.server.inFlight.delete(this);
    this.aborter?.abort(RESPONSE_CLOSED);
    this.journal.ended(this.record, this.res.writableFinished, this.endpoint, this.digest());
  }

  /** Counts body bytes in the journal (and in its hash of them) as they are handed to the socket. */
  private wrote(data: string | Buffer, size: number, records: number, tokens: number): void {
    if (size) this.hash(data);
    this.journal.wrote(this.record, size, records, tokens);
  }

  private hash(data: string | Buffer): void {
    if (typeof data === 'string') {
      this.unhashed += data;
      if (this.unhashed.length < HASH_BATCH) return;
    }
    const hash = (this.written ??= createHash('sha256'));
    if (this.unhashed) hash.update(this.unhashed);
    this.unhashed = '';
    if (typeof data !== 'string') hash.update(data);
  }

  private digest(): string {
    if (this.unhashed) this.hash(Buffer.alloc(0));
    return this.written?.digest('hex') ?? this.wholeSha256 ?? '';
  }

  /** A whole body in one write: its hash in one shot (no Hash object), or the one given. */
  private wroteWhole(buf: Buffer, sha256: string | undefined): void {
    if (this.written !== null || this.unhashed !== '' || this.record.bytesWritten !== 0) return this.wrote(buf, buf.length, buf.length ? 1 : 0, 0);
    if (buf.length) this.wholeSha256 = sha256 ?? hash('sha256', buf, 'hex');
    this.journal.wrote(this.record, buf.length, buf.length ? 1 : 0, 0);
  }

  head(status: number, headers: Headers): void {
    if (this.res.headersSent || this.closed) return;
    this.journal.responded(this.record, status);
    const extra = this.extraHeaders;
    this.res.writeHead(status, extra === NO_HEADERS ? headers : { ...headers, ...extra });
  }

  /** Sends the status line and headers now, before any body byte. */
  flushHeaders(): void {
    if (this.closed) return;
    this.journal.firstByte(this.record);
    this.res.flushHeaders();
    this.headOut = true;
  }

  /** Writes body text; `records` is how many lines/events it holds, `tokens` how many tokens. */
  write(text: string | Buffer, records = 1, tokens = 0): void {
    if (this.closed || this.sealed) return;
    const byteCut = this.cut?.afterBytes;
    if (byteCut === undefined && this.effect.bytesPerSec === undefined) {
      // The per-token hot path: strings go to the socket as they are (no Buffer copy).
      const size = typeof text === 'string' ? Buffer.byteLength(text) : text.length;
      this.wrote(text, size, records, tokens);
      if (size) this.chunk(text, size);
      else this.flushHead();
      return;
    }
    let data = typeof text === 'string' ? Buffer.from(text) : text;
    if (byteCut !== undefined && this.record.bytesWritten + data.length >= byteCut) {
      data = data.subarray(0, Math.max(0, byteCut - this.record.bytesWritten));
      this.push(data);
      this.wrote(data, data.length, 0, 0);
      this.sealed = true;
      this.afterOutbox(() => this.cutMidBody());
      return;
    }
    this.push(data);
    this.wrote(data, data.length, records, tokens);
  }

  /**
   * One body chunk. Once node:http has put the head on the socket, a chunk of a chunked response
   * is framed here byte for byte as node:http frames it (size line, data, CRLF) and joins the
   * chunks of this tick; at the end of the tick they go to the socket in one write (flushOut). So a
   * stream costs one write per tick, however many of its lines are due in it, where node:http would
   * queue four pieces per line and writev them. Chunk boundaries are the same either way. The
   * terminating chunk still comes from res.end(), so node:http's own bookkeeping (finish,
   * keep-alive, the next request) is unchanged.
   */
  private chunk(data: string | Buffer, size: number): void {
    const socket = this.directSocket();
    if (!socket) {
      this.res.write(data);
      this.headOut = true;
      return;
    }
    if (socket.destroyed) return; // as node:http drops a write to a destroyed socket
    if (typeof data !== 'string') {
      this.flushOut();
      socket.write(Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`, 'latin1'), data, CRLF]));
      return;
    }
    if (!this.out && unflushed.push(this) === 1) process.nextTick(flushUnflushed);
    this.out += `${size.toString(16)}\r\n${data}\r\n`;
    this.outAscii &&= size === data.length;
    if (this.out.length >= OUT_MAX) this.flushOut();
  }

  /**
   * Hands the chunks of this tick to the socket in one write. Called at the end of the tick, and
   * before anything else leaves on the socket (the terminating chunk, a cut's bytes, FIN, RST).
   */
  flushOut(): void {
    if (!this.out) return;
    const out = this.out;
    this.out = '';
    const socket = this.res.socket;
    // ASCII text (as many bytes as characters) is written as latin1: a copy, not a UTF-8 encoding.
    if (socket && !socket.destroyed) socket.write(out, this.outAscii ? 'latin1' : 'utf8');
    this.outAscii = true;
  }

  /**
   * The socket when body chunks may bypass node:http: chunked framing, a body that is sent (not a
   * HEAD), the head already handed over, the response not ended (its socket may serve the next
   * one), and the socket assigned to this response (a pipelined response waits for the one before
   * it; node:http queues its bytes until then).
   */
  private directSocket(): Socket | null {
    const res = this.res;
    if (!this.headOut || !res.chunkedEncoding || res.writableEnded || this.req.method === 'HEAD') return null;
    return res.socket;
  }

  private flushHead(): void {
    this.res.flushHeaders();
    this.headOut = true;
  }

  /**
   * The socket holds more unsent bytes than its high-water mark: the client reads slower than the
   * stream is written. The next record should wait for `drained()` (a blocked write in Ollama).
   */
  get congested(): boolean {
    return !this.closed && (this.res.socket?.writableNeedDrain ?? false);
  }

  /** Resolves once the socket took its queued bytes, or the response closed. */
  drained(): Promise<void> {
    const socket = this.res.socket;
    if (!socket || !this.congested) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        socket.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      socket.once('drain', done);
      this.res.once('close', done);
    });
  }

  private push(data: Buffer): void {
    if (this.effect.bytesPerSec === undefined) {
      this.journal.firstByte(this.record);
      if (data.length) this.chunk(data, data.length);
      else this.flushHead();
      return;
    }
    this.outbox.push(data);
    this.draining ??= this.drain(this.effect.bytesPerSec);
  }

  /** Trickle: let the queued body out in small slices at the configured bandwidth. */
  private async drain(bytesPerSec: number): Promise<void> {
    const slice = Math.max(1, Math.floor(bytesPerSec / 20));
    let deadline = now();
    while (this.outbox.length && !this.closed) {
      const head = this.outbox[0];
      const piece = head.subarray(0, slice);
      this.outbox[0] = head.subarray(piece.length);
      if (this.outbox[0].length === 0) this.outbox.shift();
      this.journal.firstByte(this.record);
      if (piece.length) this.chunk(piece, piece.length);
      else this.flushHead();
      deadline += (piece.length / bytesPerSec) * 1000;
      await sleepUntil(deadline);
    }
    this.draining = null;
  }

  /** Runs `then` once trickled bytes are out; at once (same tick) when nothing is queued. */
  private afterOutbox(then: () => void): void {
    if (this.draining) void this.draining.then(then);
    else then();
  }

  /** Ends the response cleanly (for chunked bodies: the terminating chunk). */
  end(text?: string | Buffer, records = 1): void {
    if (text) this.write(text, records);
    this.afterOutbox(() => {
      if (this.closed || this.sealed || this.res.writableEnded) return;
      // A body shorter than a byte cut (AbruptClose) still ends with the cut, not a clean end.
      if (this.cut?.afterBytes !== undefined) {
        this.sealed = true;
        return this.cutMidBody();
      }
      this.journal.firstByte(this.record);
      // The chunks of this tick and the terminating chunk leave in one write: res.end() uncorks.
      const socket = this.out ? this.res.socket : null;
      socket?.cork();
      this.flushOut();
      this.res.end();
      if (socket?.writableCorked) socket.uncork();
    });
  }

  /**
   * A whole response with Content-Length. Byte cuts and trickle apply; a token cut replaces a
   * successful non-streamed response (nothing partial of a JSON body is ever sent, as in Ollama).
   * `sha256` is the body's, when the caller keeps it with a cached body.
   */
  send(status: number, headers: Headers, body: string | Buffer = '', sha256?: string): void {
    if (this.cut?.afterTokens !== undefined && status < 300 && !this.wholeCutTaken) {
      this.cutWhole(() => ({ headers, body: body.toString() }));
      return;
    }
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    this.head(status, { ...headers, 'Content-Length': String(buf.length) });
    if (this.effect.bytesPerSec === undefined && this.cut?.afterBytes === undefined) {
      // The common case: head and body leave in one write.
      if (this.closed || this.sealed) return;
      this.wroteWhole(buf, sha256);
      this.flushOut();
      this.res.end(buf);
      return;
    }
    if (buf.length) this.write(buf);
    this.end();
  }

  /** Sends an error in the endpoint's envelope (the route's, unless given). */
  sendError(status: number, message: string, headers: Headers = {}, envelope: Envelope = this.envelope): void {
    const sent = errorBody(envelope, status, message, this.server.url);
    this.send(sent.status ?? status, { 'Content-Type': sent.contentType, ...headers }, sent.body);
  }

  fault(kind: FaultKind): void {
    this.journal.fault(this.record, kind);
  }

  // ---------- cuts: the behavior's cut, taken where it asks (the cut's file says what it does) ----------

  /** In a stream, after the chunks sent so far; `next` formats the chunk that was due. */
  cutStream(fmt: StreamFormat, next: () => Chunk): CutResult | Promise<CutResult> {
    const cut = this.cut!;
    if (this.closed || this.sealed) return 'stop';
    const def = cutDefinition(cut.action);
    if (!this.headersSent && (def.layer === 'body' || cut.flushHeaders)) {
      this.head(200, fmt.streamHeaders);
      this.flushHeaders();
    }
    this.fault(cut.action);
    if (def.layer === 'body') return def.stream(this, cut, fmt, next);
    def.act(this, cut);
    return 'stop';
  }

  /** Instead of a non-streamed body; `build` makes the body it replaces. */
  cutWhole(build: () => WholeBody): void {
    this.wholeCutTaken = true;
    this.takeWhole(this.cut!, build);
  }

  /** At once, before any response (Reset on 'request'). */
  cutNow(cut: Cut): void {
    this.takeWhole(cut, NO_BODY);
  }

  private takeWhole(cut: Cut, build: () => WholeBody): void {
    if (this.closed || this.sealed) return;
    const def = cutDefinition(cut.action);
    this.fault(cut.action);
    if (def.layer === 'body') return def.whole(this, cut, build);
    if (cut.flushHeaders) {
      this.head(200, build().headers);
      this.flushHeaders();
    }
    def.act(this, cut);
  }

  /** After the byte budget of the cut (AbruptClose), once the bytes before it are out. */
  private cutMidBody(): void {
    if (this.closed) return;
    const cut = this.cut!;
    const def = cutDefinition(cut.action);
    this.fault(cut.action);
    // A body cut has nothing to write in the middle of a body: the connection just ends.
    if (def.layer === 'socket') def.act(this, cut);
    else this.fin();
  }

  // ---------- what a socket cut does (CutWire) ----------

  fin(): void {
    this.flushOut();
    this.sealed = true;
    this.socket.end();
  }

  raw(bytes: string): void {
    this.flushOut();
    this.sealed = true;
    this.journal.firstByte(this.record);
    this.socket.write(bytes);
  }

  hold(ms?: number): void {
    this.sealed = true;
    this.held = true;
    if (ms === undefined) return;
    const timer = after(ms, () => this.socket.end()); // any ms: past Node's 24.8-day timer limit too
    this.res.once('close', () => timer.cancel());
  }

  /** Never answer (Hang); the socket stays open until the client leaves. */
  hang(): void {
    this.fault('hang');
  }

  /** POST /cancel/{port}: drop the connection of this unfinished response. */
  cancel(): void {
    this.fault('cancelled');
    this.socket.destroy();
  }

  /** A real RST (SO_LINGER 0); after any bytes of this response have had time to be read. */
  reset(): void {
    this.flushOut();
    this.sealed = true;
    const socket = this.socket;
    if (this.record.firstByteAt === null) {
      socket.resetAndDestroy();
      return;
    }
    socket.uncork(); // node:http corks a response's first write until the next tick
    setTimeout(() => socket.resetAndDestroy(), RESET_AFTER_DATA_MS).unref();
  }
}
