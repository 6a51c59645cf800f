// The job API's input: the body of POST /v1/jobs (dummyLLM's fields, checked) and the query of
// GET /v1/jobs. Every bad field is a ValidationError naming the field (`simulate.mode`,
// `args.messages[0].role`) and, where there is a list, the allowed values: a 400, never a default
// taken in silence.
import { isPlainObject, ValidationError } from '../schema.js';
import { JOB_STATES, type JobState } from '../journal/record.js';

export const SIMULATE_MODES = ['ok', 'fail', 'slow', 'hang', 'flaky', 'timeout'] as const;
export type SimulateMode = (typeof SIMULATE_MODES)[number];

/** The only `op` a job without `simulate` can run: a chat on the server's model. */
export const CHAT_OP = 'llm.chat';
/** dummyLLM's default latency of a simulated job. */
export const DEFAULT_LATENCY_MS = 250;
const MAX_MS = 2_147_483_647; // what a Node timer can wait

const FIELDS = ['op', 'args', 'timeout_ms', 'trace_id', 'simulate'];
const ARGS_FIELDS = ['model', 'messages', 'options'];
const MESSAGE_FIELDS = ['role', 'content'];
const SIMULATE_FIELDS = ['mode', 'latency_ms', 'seed', 'fail_message', 'ok_text'];
const LIST_PARAMS = ['state', 'trace_id', 'limit'];
export const DEFAULT_LIST_LIMIT = 100;

export interface Simulate {
  mode: SimulateMode;
  latencyMs: number;
  /** Seed of `flaky`'s draw; null: the fleet's --seed, keyed by server and job number. */
  seed: number | null;
  failMessage: string | null;
  okText: string | null;
}

export interface JobMessage {
  role: string;
  content: string;
}

export interface JobRequest {
  op: string;
  args: { model: string | null; messages: JobMessage[]; numPredict: number | undefined };
  /** Server-enforced, from creation; null: none. */
  timeoutMs: number | null;
  traceId: string | null;
  /** dummyLLM's script for the job; null: the job runs on the server's model. */
  simulate: Simulate | null;
}

export interface ListQuery {
  states: JobState[] | null;
  traceId: string | null;
  limit: number;
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function bad(field: string, expected: string, v: unknown, allowed?: readonly string[]): ValidationError {
  return new ValidationError(`field '${field}' must be ${expected}, got ${typeName(v)} ${JSON.stringify(v)}`, field, allowed);
}

function onlyFields(o: Record<string, unknown>, allowed: string[], where: string): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) {
      const field = where ? `${where}.${key}` : key;
      throw new ValidationError(`unknown field '${field}'; allowed fields${where ? ` of '${where}'` : ''}: ${allowed.join(', ')}`, field, allowed);
    }
  }
}

const given = (v: unknown): boolean => v !== undefined && v !== null;

function optString(v: unknown, field: string): string | null {
  if (!given(v)) return null;
  if (typeof v !== 'string') throw bad(field, 'a string', v);
  return v;
}

function optInt(v: unknown, field: string, min: number, max: number): number | null {
  if (!given(v)) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw bad(field, `an integer from ${min} to ${max}`, v);
  return v;
}

function oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !allowed.includes(v as T)) {
    throw new ValidationError(`field '${field}' must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${JSON.stringify(v)}`, field, allowed);
  }
  return v as T;
}

function object(v: unknown, field: string, example: string): Record<string, unknown> | null {
  if (!given(v)) return null;
  if (!isPlainObject(v)) throw bad(field, `an object like ${example}`, v);
  return v;
}

function parseMessages(v: unknown): JobMessage[] {
  if (!given(v)) return [];
  if (!Array.isArray(v)) throw bad('args.messages', 'an array of {"role","content"}', v);
  return v.map((m, i) => {
    const field = `args.messages[${i}]`;
    if (!isPlainObject(m)) throw bad(field, 'an object like {"role":"user","content":"Hello"}', m);
    onlyFields(m, MESSAGE_FIELDS, field);
    const role = optString(m.role, `${field}.role`);
    if (!role) throw new ValidationError(`field '${field}.role' is required: a string such as "user", "system" or "assistant"`, `${field}.role`);
    return { role, content: optString(m.content, `${field}.content`) ?? '' };
  });
}

function parseArgs(v: unknown, needsModel: boolean): JobRequest['args'] {
  const args = object(v, 'args', '{"model":"llama3.2","messages":[...]}') ?? {};
  onlyFields(args, ARGS_FIELDS, 'args');
  const model = optString(args.model, 'args.model');
  if (needsModel && !model) {
    throw new ValidationError(`field 'args.model' is required: a job without 'simulate' runs a chat on one of the server's installed models`, 'args.model');
  }
  const options = object(args.options, 'args.options', '{"num_predict":32}');
  const numPredict = optInt(options?.num_predict, 'args.options.num_predict', -2, MAX_MS);
  return { model, messages: parseMessages(args.messages), numPredict: numPredict === null || numPredict < 0 ? undefined : numPredict };
}

function parseSimulate(v: unknown): Simulate | null {
  const sim = object(v, 'simulate', '{"mode":"ok","latency_ms":250}');
  if (!sim) return null;
  onlyFields(sim, SIMULATE_FIELDS, 'simulate');
  return {
    mode: given(sim.mode) ? oneOf(sim.mode, 'simulate.mode', SIMULATE_MODES) : 'ok',
    latencyMs: optInt(sim.latency_ms, 'simulate.latency_ms', 0, MAX_MS) ?? DEFAULT_LATENCY_MS,
    seed: optInt(sim.seed, 'simulate.seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    failMessage: optString(sim.fail_message, 'simulate.fail_message'),
    okText: optString(sim.ok_text, 'simulate.ok_text'),
  };
}

/** The body of POST /v1/jobs, already parsed as JSON. */
export function parseJobRequest(body: unknown): JobRequest {
  if (!isPlainObject(body)) {
    throw new ValidationError(`the body must be a JSON object like {"op":"llm.chat","args":{"model":"llama3.2","messages":[{"role":"user","content":"Hello"}]}}, got ${typeName(body)}`);
  }
  onlyFields(body, FIELDS, '');
  const simulate = parseSimulate(body.simulate);
  if (!given(body.op)) throw new ValidationError(`field 'op' is required: a string such as "${CHAT_OP}"`, 'op');
  if (typeof body.op !== 'string' || body.op === '') throw bad('op', `a non-empty string such as "${CHAT_OP}"`, body.op);
  if (!simulate && body.op !== CHAT_OP) {
    throw new ValidationError(`field 'op' must be "${CHAT_OP}" for a job without 'simulate' (it runs a chat on the server's model), got ${JSON.stringify(body.op)}`, 'op', [CHAT_OP]);
  }
  return {
    op: body.op,
    args: parseArgs(body.args, simulate === null),
    timeoutMs: optInt(body.timeout_ms, 'timeout_ms', 1, MAX_MS),
    traceId: optString(body.trace_id, 'trace_id'),
    simulate,
  };
}

/** The query of GET /v1/jobs: `state` (a comma list), `trace_id`, `limit` (1..maxLimit). */
export function parseListQuery(query: string, maxLimit: number): ListQuery {
  const params = new URLSearchParams(query);
  for (const key of params.keys()) {
    if (!LIST_PARAMS.includes(key)) throw new ValidationError(`unknown query parameter '${key}'; allowed: ${LIST_PARAMS.join(', ')}`, key, LIST_PARAMS);
  }
  const stateText = params.getAll('state').flatMap((s) => s.split(',')).filter(Boolean);
  const states = stateText.length ? stateText.map((s) => oneOf(s, 'state', JOB_STATES)) : null;
  const limitText = params.get('limit');
  let limit = DEFAULT_LIST_LIMIT;
  if (limitText !== null) {
    limit = /^\d+$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= maxLimit)) throw new ValidationError(`query parameter 'limit' must be an integer from 1 to ${maxLimit} (max_jobs), got ${JSON.stringify(limitText)}`, 'limit');
  }
  return { states, traceId: params.get('trace_id'), limit: Math.min(limit, maxLimit) };
}
