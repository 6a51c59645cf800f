// One request and its response on the wire. Every byte a simulated server sends goes through here,
// so the journal counts what really left, and the faults a behavior asks for (RST, FIN without a
// terminator, silence, broken framing, trickled bytes) happen on the real socket.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Cut, CutAction, Effect } from '../behaviors/types.js';
import { after, epochMs, now, sleepUntil } from '../engine/clock.js';
import type { FaultKind, JournalRecord } from '../journal.js';
import type { SimServer } from '../server.js';
import { sendError, type Envelope } from './errors.js';

export type Headers = Record<string, string>;

// One reason for every abort: AbortController.abort() without one builds a DOMException (with a
// stack trace) per response, a measurable share of a request's CPU.
const RESPONSE_CLOSED = new Error('response closed');

/**
 * How long an RST waits after bytes of its response went out. A client that receives data and the
 * RST in one read may report a clean EOF (libuv does: POLLHUP after a partial read), so the bytes
 * are let through first and the reset comes as its own event.
 */
export const RESET_AFTER_DATA_MS = 50;

export class Exchange {
  readonly arrived = now();
  /** Aborts when the client goes away before the response finished. */
  private aborter: AbortController | null = null;
  /** The behavior's modifiers for a normally served request. */
  effect: Extract<Effect, { kind: 'serve' }> = { kind: 'serve' };
  /** The error envelope of the route (native, OpenAI, Anthropic). */
  envelope: Envelope = 'native';
  /** Added to every response head (CORS). */
  extraHeaders: Headers = {};
  private ended = false;
  /** A cut's wire action was taken: nothing more may be written (no late terminator). */
  private cutTaken = false;
  private outbox: Buffer[] = [];
  private draining: Promise<void> | null = null;

  constructor(
    readonly server: SimServer,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly record: JournalRecord,
  ) {
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
    const r = this.record;
    r.endedAt = epochMs();
    if (r.outcome === 'in_progress') {
      if (this.res.writableFinished) {
        r.outcome = 'completed';
      } else {
        r.outcome = 'client_aborted';
        r.abortedAfterTokens = r.tokensWritten;
      }
    }
    this.ended = true;
    this.server.inFlight.delete(this);
    this.aborter?.abort(RESPONSE_CLOSED);
    this.server.fleet.recordEnded(r);
  }

  private markFirstByte(): void {
    if (this.record.firstByteAt === null) this.record.firstByteAt = epochMs();
  }

  head(status: number, headers: Headers): void {
    if (this.res.headersSent || this.closed) return;
    this.record.status = status;
    this.res.writeHead(status, { ...headers, ...this.extraHeaders });
  }

  /** Sends the status line and headers now, before any body byte. */
  flushHeaders(): void {
    if (this.closed) return;
    this.markFirstByte();
    this.res.flushHeaders();
  }

  /** Writes body text; `records` is how many lines/events it holds, `tokens` how many tokens. */
  write(text: string | Buffer, records = 1, tokens = 0): void {
    if (this.closed || this.cutTaken) return;
    const byteCut = this.cut?.afterBytes;
    if (byteCut === undefined && this.effect.bytesPerSec === undefined) {
      // The per-token hot path: strings go to the socket as they are (no Buffer copy).
      this.markFirstByte();
      const size = typeof text === 'string' ? Buffer.byteLength(text) : text.length;
      if (size) this.res.write(text);
      else this.res.flushHeaders();
      this.count(size, records, tokens);
      return;
    }
    let data = typeof text === 'string' ? Buffer.from(text) : text;
    if (byteCut !== undefined && this.record.bytesWritten + data.length >= byteCut) {
      data = data.subarray(0, Math.max(0, byteCut - this.record.bytesWritten));
      this.push(data);
      this.record.bytesWritten += data.length;
      this.cutTaken = true;
      this.afterOutbox(() => this.carryOut(this.cut!.action));
      return;
    }
    this.push(data);
    this.count(data.length, records, tokens);
  }

  private count(bytes: number, records: number, tokens: number): void {
    this.record.bytesWritten += bytes;
    this.record.linesWritten += records;
    this.record.tokensWritten += tokens;
  }

  private push(data: Buffer): void {
    if (this.effect.bytesPerSec === undefined) {
      this.markFirstByte();
      if (data.length) this.res.write(data);
      else this.res.flushHeaders();
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
      this.markFirstByte();
      if (piece.length) this.res.write(piece);
      else this.res.flushHeaders();
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
      if (this.closed || this.cutTaken || this.res.writableEnded) return;
      // A body shorter than a byte cut (AbruptClose) still ends with the cut, not a clean end.
      if (this.cut?.afterBytes !== undefined) return this.applyCut(this.cut.action);
      this.markFirstByte();
      this.res.end();
    });
  }

  /**
   * A whole response with Content-Length. Byte cuts and trickle apply; a token cut replaces a
   * successful non-streamed response (nothing partial of a JSON body is ever sent, as in Ollama).
   */
  send(status: number, headers: Headers, body: string | Buffer = ''): void {
    if (this.cut?.afterTokens !== undefined && status < 300 && !this.cutDone) {
      this.cutWholeResponse(this.cut, () => ({ headers, body: body.toString() }));
      return;
    }
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    this.head(status, { ...headers, 'Content-Length': String(buf.length) });
    if (this.effect.bytesPerSec === undefined && this.cut?.afterBytes === undefined) {
      // The common case: head and body leave in one write.
      if (this.closed || this.cutTaken) return;
      this.markFirstByte();
      this.record.bytesWritten += buf.length;
      if (buf.length) this.record.linesWritten++;
      this.res.end(buf);
      return;
    }
    if (buf.length) this.write(buf);
    this.end();
  }

  private cutDone = false;

  /** A token cut on a non-streamed response: what a client sees instead of the body. */
  cutWholeResponse(cut: Cut, build: () => { headers: Headers; body: string }): void {
    this.cutDone = true;
    switch (cut.action) {
      case 'inband_error':
        // Ollama answers a generation error on a non-streamed request with a 500.
        this.fault('inband_error');
        sendError(this, this.envelope, 500, cut.message ?? 'an error was encountered while running the model');
        return;
      case 'truncate': {
        this.fault('truncate');
        const { headers, body } = build();
        this.head(200, headers);
        this.write(body.slice(0, Math.floor(body.length / 2)));
        this.end();
        return;
      }
      case 'malformed_json': {
        this.fault('malformed_json');
        const { headers, body } = build();
        this.send(200, headers, body.slice(0, -1) + ',"');
        return;
      }
      default:
        if (cut.flushHeaders || cut.action === 'malformed_framing') {
          this.head(200, build().headers);
          this.flushHeaders();
        }
        this.applyCut(cut.action, cut.stallMs);
    }
  }

  fault(kind: FaultKind): void {
    if (this.record.outcome === 'in_progress') {
      this.record.outcome = 'fault';
      this.record.fault = kind;
    }
  }

  /** Carries out a cut's wire action (see CutAction in behaviors/types.ts). */
  applyCut(action: CutAction, stallMs?: number): void {
    if (this.closed || this.cutTaken) return;
    this.cutTaken = true;
    this.carryOut(action, stallMs);
  }

  private carryOut(action: CutAction, stallMs?: number): void {
    if (this.closed) return;
    switch (action) {
      case 'reset':
        this.fault('reset');
        this.resetSocket();
        return;
      case 'fin':
        this.fault('fin');
        this.socket.end();
        return;
      case 'malformed_framing':
        this.fault('malformed_framing');
        // Not a hex chunk size: any HTTP client must fail to parse this.
        this.markFirstByte();
        this.socket.write('zz\r\n{"broken":\r\n');
        this.socket.end();
        return;
      case 'stall':
        this.fault('stall');
        this.activeStall(stallMs);
        return;
      default:
        // Line-level cuts (in-band error, truncate, malformed JSON) are written by the formatter;
        // reaching here means a byte cut: end the connection.
        this.fault(action);
        this.socket.end();
    }
  }

  private activeStall(stallMs?: number): void {
    if (stallMs === undefined) return;
    const timer = after(stallMs, () => this.socket.end());
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

  /** RST with nothing sent (Reset on 'request'). */
  resetNow(): void {
    this.fault('reset');
    this.resetSocket();
  }

  /** A real RST (SO_LINGER 0); after any bytes of this response have had time to be read. */
  private resetSocket(): void {
    const socket = this.socket;
    if (this.record.firstByteAt === null) {
      socket.resetAndDestroy();
      return;
    }
    socket.uncork(); // node:http corks a response's first write until the next tick
    setTimeout(() => socket.resetAndDestroy(), RESET_AFTER_DATA_MS).unref();
  }
}
