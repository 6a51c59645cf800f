// The common interface of every cut: what a behavior does to a response on the wire once it has
// started, or instead of it. One file per cut in this folder says what the peer sees; the response
// writer (api/exchange.ts) takes the cut at the position the behavior asks for and calls its form.
//
// Two layers:
//   socket: the cut acts on the TCP connection (FIN, RST, silence). It looks the same wherever it
//           fires, so it has one form, `act`: after N chunks of a stream, instead of a non-streamed
//           body, after N body bytes (AbruptClose), or before any response (Reset on 'request').
//   body:   the cut writes into the HTTP body (an error line, a clean early end, a broken record).
//           It has a streamed form (after N chunks; the stream's status line and headers go out
//           first if no chunk did) and a whole-response form (instead of a non-streamed body).
// A form is a plain function of the response's state (the wire) and the cut's parameters; it
// never records anything: the writer journals the cut as the fault named after it.

export type Headers = Record<string, string>;

/** What a cut can do to a response in flight. Implemented by the response writer. */
export interface CutWire {
  readonly headersSent: boolean;
  /** HTTP: these count in the journal and respect the response's framing. */
  head(status: number, headers: Headers): void;
  flushHeaders(): void;
  write(data: string | Buffer, records?: number, tokens?: number): void;
  end(data?: string | Buffer, records?: number): void;
  /** A whole response with Content-Length. */
  send(status: number, headers: Headers, body: string | Buffer): void;
  /** An error in the endpoint's own envelope (native, OpenAI or Anthropic). */
  sendError(status: number, message: string): void;
  /** TCP: after one of these, nothing more leaves through HTTP. */
  fin(): void;
  /** RST (SO_LINGER 0); when bytes went out first, after they have had time to be read. */
  reset(): void;
  /** Bytes straight to the socket, outside HTTP framing. */
  raw(bytes: string): void;
  /** Silence with the socket open; the runner slot stays taken (a frozen machine). FIN after `ms`, if given. */
  hold(ms?: number): void;
}

/** The endpoint's stream format, as far as a cut needs it. */
export interface StreamFormat {
  streamHeaders: Headers;
  /** What the endpoint sends when generation fails after chunks went out. */
  inbandError(message: string): string[];
  /** A record that is not valid JSON, in this format's framing. */
  malformed(): string;
}

/** One chunk of a stream: its text, how many records (lines, SSE events) and tokens it holds. */
export interface Chunk {
  text: string;
  records: number;
  tokens: number;
}

/** A non-streamed response's head and body. */
export interface WholeBody {
  headers: Headers;
  body: string;
}

/**
 * How a stream goes on after a cut's streamed form: 'stop' the response is over (or left to the
 * socket), 'continue' the chunk that was due is written as usual, 'written' the cut wrote it.
 */
export type CutResult = 'stop' | 'continue' | 'written';

export interface SocketCut<N extends string, P> {
  name: N;
  layer: 'socket';
  act(w: CutWire, p: P): void;
}

export interface BodyCut<N extends string, P> {
  name: N;
  layer: 'body';
  /**
   * The body a non-streamed response's whole form gets: 'so-far' (default) for a cut that ends
   * generation where it fires (a failure at token N: the body up to it); 'complete' for a cut that
   * only changes how the body travels (generation runs to the end; the whole body).
   */
  wholeBody?: 'so-far' | 'complete';
  /** After N chunks of a stream (its head is out). `next` formats the chunk that was due: a token's, or the final one. */
  stream(w: CutWire, p: P, fmt: StreamFormat, next: () => Chunk): CutResult | Promise<CutResult>;
  /** Instead of a non-streamed body (nothing of the response has gone out). */
  whole(w: CutWire, p: P, body: () => WholeBody): void;
}

export type CutDefinition<N extends string = string, P = any> = SocketCut<N, P> | BodyCut<N, P>;

export function defineCut<N extends string, P = {}>(def: CutDefinition<N, P>): CutDefinition<N, P> {
  return def;
}
