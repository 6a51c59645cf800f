// A small declarative validator shared by behaviors, server config and control payloads: one
// declaration gives defaults, type checks, the "unknown field" error and the docs table.

export type FieldSpec = (
  | { kind: 'int'; default?: number; min?: number; max?: number; doc: string }
  | { kind: 'number'; default?: number; min?: number; max?: number; doc: string }
  | { kind: 'string'; default?: string; doc: string }
  | { kind: 'bool'; default?: boolean; doc: string }
  | { kind: 'enum'; values: readonly string[]; default?: string; doc: string }
  | { kind: 'string[]'; default?: string[]; doc: string }
  | { kind: 'duration'; default?: string | number; doc: string }
  | { kind: 'any'; default?: unknown; doc: string }
) & {
  /** The default as the docs show it, when it is not a fixed value (`server-PORT`) or is applied later. */
  defaultDoc?: string;
};

export type Schema = Record<string, FieldSpec>;

export class ValidationError extends Error {
  constructor(
    message: string,
    readonly field?: string,
    readonly allowed?: readonly string[],
  ) {
    super(message);
  }
  toJSON(): Record<string, unknown> {
    return { error: this.message, ...(this.field ? { field: this.field } : {}), ...(this.allowed ? { allowed: this.allowed } : {}) };
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Parses Go-style durations ("5m", "1h30m", "300ms", "-1s") or seconds; returns milliseconds. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return value * 1000;
  const s = value.trim();
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const sign = s.startsWith('-') ? -1 : 1;
  const body = s.replace(/^[+-]/, '');
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  re.lastIndex = 0;
  while ((m = re.exec(body))) {
    total += Number(m[1]) * units[m[2]];
    consumed = re.lastIndex;
  }
  if (consumed !== body.length || body.length === 0) {
    if (/^\d+(\.\d+)?$/.test(body)) throw new Error(`time: missing unit in duration ${JSON.stringify(value)}`);
    throw new Error(`time: invalid duration ${JSON.stringify(value)}`);
  }
  return sign * total;
}

function checkField(name: string, spec: FieldSpec, v: unknown, where: string): unknown {
  const bad = (expected: string) =>
    new ValidationError(`${where}: field '${name}' must be ${expected}, got ${typeName(v)} ${JSON.stringify(v)}`, name);
  switch (spec.kind) {
    case 'int':
    case 'number': {
      if (typeof v !== 'number' || !Number.isFinite(v) || (spec.kind === 'int' && !Number.isInteger(v))) {
        throw bad(spec.kind === 'int' ? 'an integer' : 'a number');
      }
      if (spec.min !== undefined && v < spec.min) throw bad(`>= ${spec.min}`);
      if (spec.max !== undefined && v > spec.max) throw bad(`<= ${spec.max}`);
      return v;
    }
    case 'string':
      if (typeof v !== 'string') throw bad('a string');
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw bad('true or false');
      return v;
    case 'enum':
      if (typeof v !== 'string' || !spec.values.includes(v)) {
        throw new ValidationError(`${where}: field '${name}' must be one of ${spec.values.map((x) => JSON.stringify(x)).join(', ')}, got ${JSON.stringify(v)}`, name, spec.values);
      }
      return v;
    case 'string[]':
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw bad('an array of strings');
      return v;
    case 'duration':
      if (typeof v !== 'string' && typeof v !== 'number') throw bad('a duration such as "5m" or a number of seconds');
      try {
        parseDuration(v);
      } catch (e) {
        throw new ValidationError(`${where}: field '${name}': ${(e as Error).message}`, name);
      }
      return v;
    case 'any':
      return v;
  }
}

/**
 * Validates `input` against `schema`: unknown fields and wrong types are errors that name the
 * field and list what is allowed; missing fields take their defaults.
 */
export function validate<T>(input: unknown, schema: Schema, where: string, ignore: readonly string[] = []): T {
  if (input === undefined || input === null) input = {};
  if (!isPlainObject(input)) throw new ValidationError(`${where}: expected a JSON object, got ${typeName(input)}`);
  const out: Record<string, unknown> = {};
  const allowed = Object.keys(schema);
  for (const key of Object.keys(input)) {
    if (ignore.includes(key)) continue;
    if (!(key in schema)) {
      throw new ValidationError(
        `${where}: unknown field '${key}'; allowed fields: ${allowed.length ? allowed.join(', ') : '(none)'}`,
        key,
        allowed,
      );
    }
  }
  for (const [name, spec] of Object.entries(schema)) {
    const v = input[name];
    if (v === undefined || v === null) {
      if (spec.default !== undefined) out[name] = spec.default;
      continue;
    }
    out[name] = checkField(name, spec, v, where);
  }
  return out as T;
}

/** One markdown row per field, for the README tables. */
export function describeSchema(schema: Schema): string {
  return Object.entries(schema)
    .map(([name, s]) => {
      const values = s.kind === 'enum' ? ` (${s.values.join(' \\| ')})` : '';
      const def = s.default === undefined ? '' : ` (default ${JSON.stringify(s.default)})`;
      return `\`${name}\` ${s.kind}${values}${def}: ${s.doc}`;
    })
    .join('; ');
}
