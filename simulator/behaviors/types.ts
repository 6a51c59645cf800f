// The common interface of every behavior (Toxiproxy's toxic.go is the model): a behavior declares
// its parameters once (defaults, validation, docs) and how it shapes a response. Where it acts:
//   listener:   the server's listening socket (ConnectionRefused closes it: a real ECONNREFUSED)
//   connection: each accepted TCP connection, before HTTP is parsed (Reset on accept, Blackhole)
//   request:    each HTTP request that matches the behavior's targeting (everything else)
import type { Socket } from 'node:net';
import type { Schema } from '../schema.js';

export type Level = 'listener' | 'connection' | 'request';

/** What happens once `after` tokens (or bytes) of the response have been written. */
export type CutAction =
  | 'fin' // close the connection (FIN) with no terminating chunk
  | 'reset' // TCP RST
  | 'stall' // keep the socket open and silent, no FIN
  | 'inband_error' // the endpoint's in-stream error (Ollama: a {"error":...} line), then a clean end
  | 'truncate' // a clean end of the HTTP body, without the final (done) chunk
  | 'malformed_json' // a line that is not valid JSON, then the stream goes on
  | 'malformed_framing'; // bytes that break HTTP chunked framing, then FIN

export interface Cut {
  afterTokens?: number;
  afterBytes?: number;
  action: CutAction;
  /** Send the status line and headers before anything else, even with zero tokens. */
  flushHeaders?: boolean;
  /** For inband_error: the error text. */
  message?: string;
  /** For stall: end the silence with a FIN after this long (default: silent until the client leaves). */
  stallMs?: number;
}

/** Generation speed and size overrides (Normal, Slow). */
export interface TimingOverrides {
  tokensPerSec?: number;
  promptTokensPerSec?: number;
  numTokens?: number;
  loadMs?: number;
}

export type Effect =
  /** Serve the request normally, shaped by these modifiers. */
  | { kind: 'serve'; timing?: TimingOverrides; cut?: Cut; headerDelayMs?: number; bytesPerSec?: number }
  /** An error response in the endpoint's own envelope (native, OpenAI or Anthropic). */
  | { kind: 'error'; status: number; message: string; headers?: Record<string, string> }
  /** The endpoint's "model not found" error, for the given name or the requested one. */
  | { kind: 'model_not_found'; model?: string }
  /** Exactly these bytes, after a delay. */
  | { kind: 'custom'; status: number; contentType: string; body: string; delayMs: number }
  /** Never answer; the socket stays open. */
  | { kind: 'hang' }
  /** TCP RST after reading the request, before any byte of a response. */
  | { kind: 'reset' };

export interface RequestFacts {
  port: number;
  /**
   * The server's identity in seeded draws: its name, or its position in the fleet. Not the port,
   * which the OS picks for port 0, so two fresh fleets with the same seed draw alike.
   */
  serverKey: string;
  method: string;
  path: string;
  model: string | null;
  /** Sequence number among the requests this behavior step has matched so far (from 0). */
  matchIndex: number;
  seed: number;
}

export interface BehaviorDefinition<P = Record<string, unknown>> {
  type: string;
  summary: string;
  level: Level | ((params: P) => Level);
  params: Schema;
  /** Cross-field checks after each field was validated; may return normalised params. Throws ValidationError. */
  check?(params: P): P | void;
  /** request level: the effect for one request. */
  effect?(params: P, facts: RequestFacts): Effect;
  /** connection level: handle the accepted socket instead of HTTP. */
  onConnection?(socket: Socket, params: P): void;
}

export function defineBehavior<P>(def: BehaviorDefinition<P>): BehaviorDefinition<P> {
  return def;
}
