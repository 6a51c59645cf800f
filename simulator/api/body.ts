// Request bodies parsed the way Ollama's gin handlers parse them (reference §0.1): Content-Type is
// not checked, field names match case-insensitively, an empty body is "missing request body",
// malformed JSON and wrong types give Go's encoding/json messages.
import { ApiError } from './errors.js';

export type GoType = 'string' | 'bool' | 'int' | 'float64' | 'object' | 'array' | '[]string' | 'any';

/** Expected JSON type of each known top-level field; used for Go-style type errors. */
export type FieldTypes = Record<string, GoType>;

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

function fits(type: GoType, v: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    case 'int':
      return typeof v === 'number' && Number.isInteger(v);
    case 'float64':
      return typeof v === 'number';
    case 'object':
      return typeof v === 'object' && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
    case '[]string':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'any':
      return true;
  }
}

/** Go's message for a syntax error, from the position JSON.parse reports. */
function syntaxMessage(text: string, err: Error): string {
  const pos = Number(/position (\d+)/.exec(err.message)?.[1] ?? NaN);
  if (Number.isNaN(pos) || pos >= text.trimEnd().length || /Unexpected end/.test(err.message)) return 'unexpected EOF';
  const ch = text[pos];
  const before = text.slice(0, pos).trim();
  const where = before === '' ? 'looking for beginning of value' : before.endsWith(':') || before.endsWith('[') || before.endsWith(',') ? 'looking for beginning of value' : "after object key:value pair";
  return `invalid character '${ch}' ${where}`;
}

export interface ParseOptions {
  struct: string;
  fields: FieldTypes;
  /** Message for an empty body: native "missing request body", OpenAI middleware "EOF". */
  emptyMessage: string;
}

/** Parses and type-checks a body; throws ApiError(400) with Ollama's messages. */
export function parseJsonBody(text: string, opts: ParseOptions): Record<string, unknown> {
  if (text.trim() === '') throw new ApiError(400, opts.emptyMessage);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ApiError(400, syntaxMessage(text, e as Error));
  }
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ApiError(400, `json: cannot unmarshal ${jsonKind(value) === 'bool' ? 'bool' : jsonKind(value)} into Go value of type ${opts.struct}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    // Go matches field names case-insensitively; an exact-case key wins over a folded one.
    const lower = key.toLowerCase();
    if (!(lower in out) || key === lower) out[lower] = v;
  }
  for (const [name, type] of Object.entries(opts.fields)) {
    const v = out[name];
    if (v === undefined || v === null) continue;
    if (!fits(type, v)) {
      throw new ApiError(400, `json: cannot unmarshal ${jsonKind(v) === 'bool' ? 'bool' : jsonKind(v)} into Go struct field ${opts.struct}.${name} of type ${type}`);
    }
  }
  return out;
}
