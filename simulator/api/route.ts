// The shape of one route of the simulated Ollama surface.
import type { SimServer } from '../server.js';
import type { Envelope } from './errors.js';
import type { Exchange } from './exchange.js';

export interface RouteContext {
  ex: Exchange;
  server: SimServer;
  /** The raw body text ('' for GET/HEAD). */
  body: string;
  /** The body parsed as JSON once, or undefined if it is empty or not JSON. */
  parsed: unknown;
  params: Record<string, string>;
}

export interface RouteDef {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** Also answers HEAD (only /, /api/version and /api/tags do in Ollama). */
  head?: boolean;
  envelope: Envelope;
  /** This endpoint's model-not-found message (they differ per endpoint in Ollama). */
  notFound?: (name: string) => string;
  handle(ctx: RouteContext): void | Promise<void>;
}
