// The body of POST /execute as seed 002's node agent validates it (pydantic JobDispatchPayload):
// job_id, model and prompt required strings, options an object (default {}), stream a boolean
// (default true). A bad body is FastAPI's 422 with one entry per problem in `detail`.

export interface Job {
  job_id: string;
  model: string;
  prompt: string;
  options: Record<string, unknown>;
  stream: boolean;
}

/** One entry of a 422's `detail`, as pydantic v2 reports it. */
export interface Problem {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

export class JobRejected extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => `${p.loc.join('.')}: ${p.msg}`).join('; '));
  }
}

// pydantic's lax booleans.
const TRUE = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

function laxBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (TRUE.has(s)) return true;
    if (FALSE.has(s)) return false;
  }
  return undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses the raw body; throws JobRejected with pydantic's problems. */
export function parseJob(text: string): Job {
  if (text.trim() === '') throw new JobRejected([{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    const at = /position (\d+)/.exec((e as Error).message)?.[1];
    throw new JobRejected([{ type: 'json_invalid', loc: ['body', at === undefined ? 0 : Number(at)], msg: 'JSON decode error', input: {}, ctx: { error: 'Expecting value' } }]);
  }
  if (!isObject(body)) {
    throw new JobRejected([{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: body }]);
  }
  const problems: Problem[] = [];
  const str = (field: 'job_id' | 'model' | 'prompt'): string => {
    const v = body[field];
    if (v === undefined) problems.push({ type: 'missing', loc: ['body', field], msg: 'Field required', input: body });
    else if (typeof v !== 'string') problems.push({ type: 'string_type', loc: ['body', field], msg: 'Input should be a valid string', input: v });
    return typeof v === 'string' ? v : '';
  };
  const job = { job_id: str('job_id'), model: str('model'), prompt: str('prompt'), options: {}, stream: true } as Job;
  if (body.options !== undefined) {
    if (isObject(body.options)) job.options = body.options;
    else problems.push({ type: 'dict_type', loc: ['body', 'options'], msg: 'Input should be a valid dictionary', input: body.options });
  }
  if (body.stream !== undefined) {
    const stream = laxBool(body.stream);
    if (stream === undefined) problems.push({ type: 'bool_type', loc: ['body', 'stream'], msg: 'Input should be a valid boolean', input: body.stream });
    else job.stream = stream;
  }
  if (problems.length > 0) throw new JobRejected(problems);
  return job;
}
