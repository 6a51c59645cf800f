// Reading control requests: the JSON body, a port in the path, numeric query parameters. Every
// failure is a ValidationError naming the field, which the app turns into a 400.
import type { Context } from 'hono';
import { isPlainObject, ValidationError } from '../schema.js';

/** The body as a JSON object; an empty body is `{}`. */
export async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ValidationError(`request body is not valid JSON: ${(e as Error).message}`, 'body');
  }
  if (!isPlainObject(value)) throw new ValidationError(`request body must be a JSON object, got ${JSON.stringify(value)}`, 'body');
  return value;
}

/** Rejects fields this endpoint does not know, listing the ones it does. */
export function onlyFields(body: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw new ValidationError(`${where}: unknown field '${key}'; allowed fields: ${allowed.join(', ')}`, key, allowed);
  }
}

export function required(body: Record<string, unknown>, field: string, example: string): unknown {
  if (body[field] === undefined) throw new ValidationError(`field '${field}' is required, e.g. ${example}`, field);
  return body[field];
}

const SELECTOR_EXAMPLE = '11501, [11501, 11502] or {"all": true}';

/** The `port` selector of a body (a port, ports, or {"all": true}); fleet.select validates it. */
export function portSelector(body: Record<string, unknown>): unknown {
  return required(body, 'port', SELECTOR_EXAMPLE);
}

function parseNonNegativeInt(raw: string, field: string, where: string): number {
  if (!/^\d+$/.test(raw)) throw new ValidationError(`${where} '${field}' must be a non-negative integer, got ${JSON.stringify(raw)}`, field);
  return Number(raw);
}

/** The `:port` of a path like /kv-cache/:port. */
export function portParam(c: Context): number {
  return parseNonNegativeInt(c.req.param('port') ?? '', 'port', 'path parameter');
}

/** Integer query parameters, rejecting unknown ones. */
export function intQuery(c: Context, allowed: readonly string[]): Record<string, number | undefined> {
  const query = c.req.query();
  const out: Record<string, number | undefined> = {};
  for (const [key, raw] of Object.entries(query)) {
    if (!allowed.includes(key)) throw new ValidationError(`unknown query parameter '${key}'; allowed: ${allowed.join(', ')}`, key, allowed);
    out[key] = parseNonNegativeInt(raw, key, 'query parameter');
  }
  return out;
}
