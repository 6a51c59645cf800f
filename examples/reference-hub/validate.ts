// Request bodies checked the way the seed's FastAPI hub checks them (pydantic): a heartbeat
// (HeartbeatPayload) and a job (JobRequest). A bad body is a 422 whose `detail` lists each problem
// with its location, as FastAPI answers.

export interface Problem {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input: unknown;
}

export class Invalid extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => `${p.loc.join('.')}: ${p.msg}`).join('; '));
  }
}

export interface Heartbeat {
  node_id: string;
  ipv4: string | null;
  ipv6: string | null;
  port: number;
  models: string[];
  metadata: Record<string, unknown>;
  load: { cpu: number | null; memory: number | null } | null;
  active_jobs: number | null;
}

export interface JobRequest {
  model: string;
  prompt: string;
  options: Record<string, unknown>;
  stream: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects problems field by field; each reader returns the value to use (the default when absent). */
class Fields {
  readonly problems: Problem[] = [];

  constructor(private readonly body: Record<string, unknown>) {}

  private bad(field: string, type: string, msg: string): void {
    this.problems.push({ type, loc: ['body', field], msg, input: this.body[field] });
  }

  str(field: string, required: true): string;
  str(field: string, required: false): string | null;
  str(field: string, required: boolean): string | null {
    const v = this.body[field];
    if (v === undefined || (v === null && !required)) {
      if (required) this.problems.push({ type: 'missing', loc: ['body', field], msg: 'Field required', input: this.body });
      return required ? '' : null;
    }
    if (typeof v !== 'string') this.bad(field, 'string_type', 'Input should be a valid string');
    return typeof v === 'string' ? v : '';
  }

  int(field: string, fallback: number | null, min = -Infinity, max = Infinity): number | null {
    const v = this.body[field];
    if (v === undefined || (v === null && fallback === null)) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v)) this.bad(field, 'int_type', 'Input should be a valid integer');
    else if (v < min) this.bad(field, 'greater_than_equal', `Input should be greater than or equal to ${min}`);
    else if (v > max) this.bad(field, 'less_than_equal', `Input should be less than or equal to ${max}`);
    else return v;
    return fallback;
  }

  bool(field: string, fallback: boolean): boolean {
    const v = this.body[field];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') this.bad(field, 'bool_type', 'Input should be a valid boolean');
    return typeof v === 'boolean' ? v : fallback;
  }

  dict(field: string): Record<string, unknown> {
    const v = this.body[field];
    if (v === undefined) return {};
    if (!isObject(v)) this.bad(field, 'dict_type', 'Input should be a valid dictionary');
    return isObject(v) ? v : {};
  }

  strings(field: string): string[] {
    const v = this.body[field];
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) this.bad(field, 'list_type', 'Input should be a valid list of strings');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  }

  load(field: string): Heartbeat['load'] {
    const v = this.body[field];
    if (v === undefined || v === null) return null;
    const ratio = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
    if (!isObject(v) || [v.cpu, v.memory].some((x) => x !== undefined && x !== null && ratio(x) === null)) {
      this.bad(field, 'model_type', 'Input should be an object {"cpu": number|null, "memory": number|null}');
      return null;
    }
    return { cpu: ratio(v.cpu), memory: ratio(v.memory) };
  }

  done<T>(value: T): T {
    if (this.problems.length > 0) throw new Invalid(this.problems);
    return value;
  }
}

/** The body as a JSON object, or the 422 FastAPI gives for a missing, broken or non-object body. */
function objectBody(text: string): Record<string, unknown> {
  if (text.trim() === '') throw new Invalid([{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Invalid([{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {} }]);
  }
  if (!isObject(body)) throw new Invalid([{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: body }]);
  return body;
}

export function parseHeartbeat(text: string): Heartbeat {
  const f = new Fields(objectBody(text));
  return f.done({
    node_id: f.str('node_id', true),
    ipv4: f.str('ipv4', false),
    ipv6: f.str('ipv6', false),
    port: f.int('port', 8000, 1, 65535) ?? 8000,
    models: f.strings('models'),
    metadata: f.dict('metadata'),
    load: f.load('load'),
    active_jobs: f.int('active_jobs', null, 0),
  });
}

export function parseJobRequest(text: string): JobRequest {
  const f = new Fields(objectBody(text));
  return f.done({ model: f.str('model', true), prompt: f.str('prompt', true), options: f.dict('options'), stream: f.bool('stream', true) });
}
