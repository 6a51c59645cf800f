// The common interface of every behavior (Toxiproxy's toxic.go is the model): a behavior declares
// its parameters once (defaults, validation, docs) and how it shapes a response. Where it acts:
//   listener:   the server's listening socket (ConnectionRefused closes it: a real ECONNREFUSED)
//   connection: each accepted TCP connection, before HTTP is parsed (Reset on accept, Blackhole)
//   request:    each HTTP request that matches the behavior's targeting (everything else)
import type { Socket } from 'node:net';
import type { Cut } from '../cuts/registry.js';
import type { Schema } from '../schema.js';

export type Level = 'listener' | 'connection' | 'request';

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
  /** Take this cut at once, after reading the request and before any byte of a response. */
  | { kind: 'cut'; cut: Cut };

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

/** A validated behavior payload: its type, its parameters (with defaults) and its targeting. */
export interface BehaviorSpec {
  type: string;
  params: Record<string, unknown>;
  endpoints?: string[];
  models?: string[];
  times?: number;
  probability?: number;
}

/** The registry, as a behavior made of other behaviors (Flaky) uses it. */
export interface BehaviorCatalog {
  /** Validates a behavior payload; throws ValidationError. */
  parse(input: unknown): BehaviorSpec;
  levelOf(spec: BehaviorSpec): Level;
  effectOf(spec: BehaviorSpec, facts: RequestFacts): Effect;
}

export interface BehaviorDefinition<P = Record<string, unknown>> {
  type: string;
  summary: string;
  level: Level | ((params: P) => Level);
  params: Schema;
  /** Cross-field checks after each field was validated; may return normalised params. Throws ValidationError. */
  check?(params: P, catalog: BehaviorCatalog): P | void;
  /** request level: the effect for one request. */
  effect?(params: P, facts: RequestFacts, catalog: BehaviorCatalog): Effect;
  /** connection level: handle the accepted socket instead of HTTP. */
  onConnection?(socket: Socket, params: P): void;
}

export function defineBehavior<P>(def: BehaviorDefinition<P>): BehaviorDefinition<P> {
  return def;
}
