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

/** A syntax error with Go encoding/json's message. */
class GoSyntaxError extends Error {}

/** A character as Go's scanner quotes it in an error (quoteChar). */
function goQuoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return `'"'`;
  const code = c.charCodeAt(0);
  if ((code < 0x20 && !'\b\f\n\r\t'.includes(c)) || code === 0x7f) return `'\\x${code.toString(16).padStart(2, '0')}'`;
  return `'${JSON.stringify(c).slice(1, -1)}'`;
}

// Go's scanner gives up past this nesting depth.
const MAX_DEPTH = 10_000;

/**
 * The end offset of the first JSON value in `text` (Go's Decoder reads only that one; trailing
 * bytes are ignored), or a GoSyntaxError with Go's message. Iterative, so deep nesting cannot
 * overflow the stack.
 */
function scanFirstValue(text: string): number {
  const n = text.length;
  const stack: string[] = [];
  let i = 0;
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r' || text[i] === '\n')) i++;
  };
  const fail = (context: string): never => {
    throw new GoSyntaxError(i >= n ? 'unexpected EOF' : `invalid character ${goQuoteChar(text[i])} ${context}`);
  };
  const isDigit = () => i < n && text[i] >= '0' && text[i] <= '9';
  const plain = /[^"\\\x00-\x1f]*/y;
  const string = () => {
    i++;
    for (;;) {
      plain.lastIndex = i;
      plain.test(text);
      i = plain.lastIndex;
      if (i >= n) fail('');
      const c = text[i];
      if (c === '"') return void i++;
      if (c === '\\') {
        i++;
        if (text[i] === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            if (!/^[0-9a-fA-F]$/.test(text[i] ?? '')) fail('in \\u hexadecimal character escape');
          }
        } else if (i >= n || !'"\\/bfnrt'.includes(text[i])) fail('in string escape code');
        i++;
      } else if (c < ' ') fail('in string literal');
      else i++;
    }
  };
  const number = () => {
    if (text[i] === '-') {
      i++;
      if (!isDigit()) fail('in numeric literal');
    }
    if (text[i] === '0') i++;
    else while (isDigit()) i++;
    if (text[i] === '.') {
      i++;
      if (!isDigit()) fail('after decimal point in numeric literal');
      while (isDigit()) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!isDigit()) fail('in exponent of numeric literal');
      while (isDigit()) i++;
    }
  };
  const literal = (word: string) => {
    for (let k = 1; k < word.length; k++) {
      i++;
      if (text[i] !== word[k]) fail(`in literal ${word} (expecting '${word[k]}')`);
    }
    i++;
  };
  const key = () => {
    ws();
    if (text[i] !== '"') fail('looking for beginning of object key string');
    string();
    ws();
    if (text[i] !== ':') fail('after object key');
    i++;
  };
  for (;;) {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      if (stack.length >= MAX_DEPTH) fail('exceeded max depth');
      stack.push(c);
      i++;
      ws();
      if (text[i] !== (c === '{' ? '}' : ']')) {
        if (c === '{') key();
        continue;
      }
      i++;
      stack.pop();
    } else if (c === '"') string();
    else if (c === '-' || (c >= '0' && c <= '9')) number();
    else if (c === 't' || c === 'f' || c === 'n') literal(c === 't' ? 'true' : c === 'f' ? 'false' : 'null');
    else fail('looking for beginning of value');
    // After a value: close finished containers, or go on to the next element.
    for (;;) {
      if (stack.length === 0) return i;
      ws();
      const open = stack[stack.length - 1];
      if (text[i] === ',') {
        i++;
        if (open === '{') key();
        break;
      }
      if (text[i] !== (open === '{' ? '}' : ']')) fail(open === '{' ? 'after object key:value pair' : 'after array element');
      i++;
      stack.pop();
    }
  }
}

export interface ParseOptions {
  struct: string;
  fields: FieldTypes;
  /** Message for an empty body: native "missing request body", OpenAI middleware "EOF". */
  emptyMessage: string;
}

let memoText: string | null = null;
let memoValue: unknown;

/**
 * JSON.parse with a one-entry memo: the journal (summarizeBody) and then the route's handler read
 * the same body in the same request, and a body can be megabytes. The handler's read clears it.
 */
export function parseJsonOnce(text: string, keep = true): unknown {
  const value = text === memoText ? memoValue : JSON.parse(text);
  memoText = keep ? text : null;
  memoValue = keep ? value : undefined;
  return value;
}

/** Parses and type-checks a body; throws ApiError(400) with Ollama's messages. */
export function parseJsonBody(text: string, opts: ParseOptions): Record<string, unknown> {
  if (text.trim() === '') throw new ApiError(400, opts.emptyMessage);
  let value: unknown;
  try {
    value = parseJsonOnce(text, false);
  } catch {
    // Not one clean value: Go may still accept it (trailing bytes) or names the error its way.
    try {
      value = JSON.parse(text.slice(0, scanFirstValue(text)));
    } catch (e) {
      if (e instanceof GoSyntaxError) throw new ApiError(400, e.message);
      throw e;
    }
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
      // Go names the field by its struct type without the package: `ChatRequest.model`.
      throw new ApiError(400, `json: cannot unmarshal ${jsonKind(v) === 'bool' ? 'bool' : jsonKind(v)} into Go struct field ${opts.struct.replace(/^.*\./, '')}.${name} of type ${type}`);
    }
  }
  return out;
}
