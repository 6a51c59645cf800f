// The compatibility layers (OpenAI, Anthropic) run a gin middleware before the native handler. A
// request it rejects gets `c.AbortWithStatusJSON(400, ...)`: Content-Type with charset and no
// trailing newline, unlike errors from the native handler, which come through the wrapping writer
// (`application/json`, newline). Reference §3.3, §3.4.
import { parseJsonBody, type FieldTypes } from '../body.js';
import { ApiError, errorBody, NATIVE_JSON, type Envelope } from '../errors.js';
import type { RouteContext } from '../route.js';

/** A request the middleware rejects before the native handler runs (always 400). */
export class MiddlewareError extends Error {}

export function reject(message: string): never {
  throw new MiddlewareError(message);
}

/** Wraps a handler so MiddlewareErrors are answered the way gin's AbortWithStatusJSON does. */
export function behindMiddleware(envelope: Envelope, handle: (ctx: RouteContext) => Promise<void>): (ctx: RouteContext) => Promise<void> {
  return async (ctx) => {
    try {
      await handle(ctx);
    } catch (e) {
      if (!(e instanceof MiddlewareError)) throw e;
      ctx.ex.send(400, { 'Content-Type': NATIVE_JSON }, errorBody(envelope, 400, e.message).body.trimEnd());
    }
  };
}

/** ShouldBindJSON in the middleware: an empty body is `EOF`, bad JSON or types a Go message. */
export function bindJson(body: string, struct: string, fields: FieldTypes): Record<string, unknown> {
  try {
    return parseJsonBody(body, { struct, fields, emptyMessage: 'EOF' });
  } catch (e) {
    if (e instanceof ApiError) reject(e.message);
    throw e;
  }
}

/** Go's `%T` of a decoded JSON value, for messages such as `invalid message content type: <nil>`. */
export function goTypeName(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return '[]interface {}';
  if (typeof value === 'object') return 'map[string]interface {}';
  if (typeof value === 'number') return 'float64';
  return typeof value;
}

/** The JSON kind Go's decoder names in `cannot unmarshal X into ...`. */
export function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return value === null ? 'null' : typeof value;
}
