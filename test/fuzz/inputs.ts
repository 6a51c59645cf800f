// What the fuzz campaign sends: one list of cases per route, built from the same input classes for
// the Ollama surface and the control API (malformed JSON, other JSON values, wrong types, huge and
// negative numbers, invalid UTF-8, truncated JSON, 5 MB and 50 MB bodies). Raw-socket cases
// (a connection that ends inside the body, headers that trickle in) are in wire.ts.
import { BEHAVIORS, TARGETING } from '../../simulator/behaviors/registry.js';
import { SERVER_SCHEMA } from '../../simulator/config.js';
import type { Schema } from '../../simulator/schema.js';

export type CaseKind =
  | 'malformed' | 'not-object' | 'wrong-type' | 'nested' | 'number' | 'utf8' | 'truncated' | 'big-5mb' | 'big-50mb' | 'big-text' | 'huge-array'
  | 'path' | 'query' | 'header';

export interface Case {
  kind: CaseKind;
  what: string;
  /** The field the case breaks: an error answer must name it (last segment, e.g. num_predict). */
  field?: string;
  body: Buffer;
  /** Path (with query) to send to, when not the route's own sample path. */
  path?: string;
  /** Extra request headers (Last-Event-ID of GET /events). */
  headers?: Record<string, string>;
  /** The only acceptable status (a dashboard file outside its folder must be a 404, never served). */
  expectStatus?: number;
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

// 1.5 is a number for string fields and a non-integer for int fields; null means "absent" in Go.
export const WRONG_VALUES: unknown[] = [1.5, 'str', true, [1], { a: 1 }];
// Huge and negative, as numbers JSON can carry: past 2^53, past every int limit, Infinity-adjacent, tiny.
export const NUMBERS: number[] = [-1, -0.5, -1e308, 1e308, 1e21, 2 ** 53 + 2, 5e-324];
export const MALFORMED = ['{"model":', '{x}', 'not json', '{"model":"test-model",}', '{"a" 1}', '\u0000', '{"a":"\\q"}', '[[[[[[[[[['];
export const NOT_OBJECTS = ['[]', '[1,2]', '42', '"str"', 'true', 'null'];
const FIVE_MB = 5 * 1024 * 1024;
const FIFTY_MB = 50 * 1024 * 1024;

/** Invalid UTF-8 inside a string, alone, overlong, a BOM before the object, a lone surrogate escape. */
function utf8Cases(base: Record<string, unknown>): Case[] {
  const text = JSON.stringify(base);
  const inString = (bytes: number[]) => Buffer.concat([Buffer.from(text.slice(0, -1) + ',"x":"'), Buffer.from(bytes), Buffer.from('"}')]);
  return [
    { kind: 'utf8', what: 'a string holding 0xff 0xfe', body: inString([0xff, 0xfe]) },
    { kind: 'utf8', what: 'a string holding 0xc3 0x28 (bad continuation)', body: inString([0xc3, 0x28]) },
    { kind: 'utf8', what: 'a string holding 0xc0 0xaf (overlong /)', body: inString([0xc0, 0xaf]) },
    { kind: 'utf8', what: 'a body of 0xff bytes', body: Buffer.from([0xff, 0xff, 0xff]) },
    { kind: 'utf8', what: 'a UTF-8 BOM before the object', body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]) },
    { kind: 'utf8', what: 'a lone surrogate escape', body: Buffer.from(text.slice(0, -1) + ',"x":"\\ud800"}') },
  ];
}

/** Cases every route gets, whatever it reads: broken JSON, other JSON values, bad bytes, size. */
function commonCases(base: Record<string, unknown>, big: { fiveMb: Buffer; fiftyMb: Buffer }): Case[] {
  const text = JSON.stringify(base);
  return [
    { kind: 'malformed', what: 'an empty body', body: Buffer.alloc(0) },
    ...MALFORMED.map((m): Case => ({ kind: 'malformed', what: `malformed ${JSON.stringify(m)}`, body: Buffer.from(m) })),
    ...NOT_OBJECTS.map((b): Case => ({ kind: 'not-object', what: `the JSON value ${b}`, body: Buffer.from(b) })),
    ...[0.25, 0.5, 0.9].map((f): Case => ({ kind: 'truncated', what: `a valid body cut at ${f * 100}%`, body: Buffer.from(text.slice(0, Math.floor(text.length * f))) })),
    ...utf8Cases(base),
    { kind: 'big-5mb', what: 'a 5 MB body', body: big.fiveMb },
    { kind: 'big-50mb', what: 'a 50 MB body', body: big.fiftyMb },
  ];
}

/** A body of `size` bytes: the base object plus one padding string. */
export function paddedBody(base: Record<string, unknown>, size: number): Buffer {
  const head = JSON.stringify(base).slice(0, -1) + ',"padding":"';
  return Buffer.concat([Buffer.from(head), Buffer.alloc(size - head.length - 2, 'x'), Buffer.from('"}')]);
}

function wrongTypes(base: Record<string, unknown>, fields: readonly string[]): Case[] {
  return fields.flatMap((field) => WRONG_VALUES.map((value): Case => ({ kind: 'wrong-type', field, what: `${field}=${JSON.stringify(value)}`, body: json({ ...base, [field]: value }) })));
}

/** `options.num_ctx` style paths: set one nested value in a copy of base. */
function withPath(base: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = path.split('.');
  if (rest.length === 0) return { ...base, [head]: value };
  if (/^\d+$/.test(rest[0])) return { ...base, [head]: [value] }; // `context.0`: a one-element array
  const inner = typeof base[head] === 'object' && base[head] !== null ? (base[head] as Record<string, unknown>) : {};
  return { ...base, [head]: withPath(inner, rest.join('.'), value) };
}

function numbers(base: Record<string, unknown>, paths: readonly string[]): Case[] {
  const fieldOf = (path: string) => path.split('.').filter((p) => !/^\d+$/.test(p)).at(-1);
  return paths.flatMap((path) => NUMBERS.map((n): Case => ({ kind: 'number', field: fieldOf(path), what: `${path}=${n}`, body: json(withPath(base, path, n)) })));
}

// ---------------------------------------------------------------- the Ollama surface

// A body valid for every route at once: each route reads its fields and ignores the rest.
export const OLLAMA_BASE = {
  model: 'test-model', messages: [{ role: 'user', content: 'hi' }], prompt: 'hi', input: 'hi', max_tokens: 5,
  source: 'test-model', destination: 'fuzz-copy', from: 'test-model',
};

const OLLAMA_FIELDS = [
  'model', 'name', 'messages', 'prompt', 'input', 'stream', 'options', 'format', 'keep_alive', 'think', 'tools', 'raw', 'images',
  'system', 'template', 'suffix', 'context', 'truncate', 'dimensions', 'verbose', 'insecure', 'source', 'destination', 'from',
  'files', 'parameters', 'quantize', 'license', 'adapters', 'max_tokens', 'temperature', 'top_p', 'stop', 'seed',
  'response_format', 'encoding_format', 'stream_options', 'tool_choice', 'logprobs', 'top_logprobs', 'reasoning_effort',
  'instructions', 'max_output_tokens', 'thinking', 'n',
];

const OLLAMA_NUMBER_PATHS = [
  'keep_alive', 'dimensions', 'max_tokens', 'seed', 'temperature', 'top_p', 'top_logprobs', 'n',
  'options.num_predict', 'options.num_ctx', 'options.temperature', 'options.seed', 'options.top_k', 'context.0',
];

// Nested shapes that a top-level type check does not catch.
const NESTED: Array<[string, Record<string, unknown>]> = [
  ['messages', { messages: [1] }], ['role', { messages: [{ role: 1, content: 'x' }] }], ['content', { messages: [{ role: 'user', content: 1 }] }],
  ['images', { messages: [{ role: 'user', content: 'x', images: 'notbase64' }] }], ['content', { messages: [{ role: 'user', content: [{ type: 'nope' }] }] }],
  ['num_predict', { options: { num_predict: 'x' } }], ['num_ctx', { options: { num_ctx: 'x' } }], ['options', { options: [] }],
  ['tools', { tools: [1] }], ['function', { tools: [{ function: 1 }] }], ['input', { input: ['a', 1] }], ['input', { input: [[1, 2]] }],
  ['files', { files: { 'a.gguf': 1 } }], ['stop', { stop: [1] }], ['keep_alive', { keep_alive: '-1' }], ['keep_alive', { keep_alive: 'abc' }],
];

// A 5 MB body of words where a model reads text (prompt, message, embedding input), a third in
// each: tokenized, not padding.
const TEXT = 'lorem ipsum dolor sit amet '.repeat(Math.ceil(FIVE_MB / 3 / 27)).slice(0, Math.floor(FIVE_MB / 3) - 100);
const BIG_TEXT = json({ ...OLLAMA_BASE, prompt: TEXT, input: TEXT, messages: [{ role: 'user', content: TEXT }], stream: false });

// 200,000 entries where a list is read: more than V8 takes as arguments to one call.
const MANY = 200_000;
const HUGE_LISTS = json({ ...OLLAMA_BASE, messages: Array.from({ length: MANY }, () => ({ role: 'user', content: 'x' })), input: Array.from({ length: MANY }, () => 'x'), context: Array.from({ length: MANY }, () => 1) });
const HUGE_PARTS = json({ ...OLLAMA_BASE, messages: [{ role: 'user', content: Array.from({ length: MANY }, () => ({ type: 'text', text: 'x' })) }] });

export function ollamaCases(big: { fiveMb: Buffer; fiftyMb: Buffer }): Case[] {
  return [
    ...commonCases(OLLAMA_BASE, big),
    { kind: 'big-text', what: 'a 5 MB body of prompt, message and input text', body: BIG_TEXT },
    { kind: 'huge-array', what: `${MANY} messages, inputs and context tokens`, body: HUGE_LISTS },
    { kind: 'huge-array', what: `${MANY} content parts in one message`, body: HUGE_PARTS },
    ...wrongTypes(OLLAMA_BASE, OLLAMA_FIELDS),
    ...NESTED.map(([field, nested]): Case => ({ kind: 'nested', field, what: JSON.stringify(nested), body: json({ ...OLLAMA_BASE, ...nested }) })),
    ...numbers(OLLAMA_BASE, OLLAMA_NUMBER_PATHS),
  ];
}

// ---------------------------------------------------------------- the job API and POST /execute

// A job that runs no model (dummyLLM's script) and one that runs a chat on the server's model.
export const JOB_BASE = { op: 'llm.chat', args: { model: 'test-model', messages: [{ role: 'user', content: 'hi' }] }, simulate: { mode: 'ok', latency_ms: 0 } };
const JOB_CHAT = { op: 'llm.chat', args: { model: 'test-model', messages: [{ role: 'user', content: 'hi' }], options: { num_predict: 3 } } };

const JOB_PATHS = [
  'op', 'args', 'timeout_ms', 'trace_id', 'simulate', 'args.model', 'args.messages', 'args.options', 'simulate.mode',
  'simulate.latency_ms', 'simulate.seed', 'simulate.fail_message', 'simulate.ok_text',
];
const JOB_NESTED: Array<[string, Record<string, unknown>]> = [
  ['messages', { ...JOB_CHAT, args: { model: 'test-model', messages: [1] } }],
  ['role', { ...JOB_CHAT, args: { model: 'test-model', messages: [{ role: 1, content: 'x' }] } }],
  ['content', { ...JOB_CHAT, args: { model: 'test-model', messages: [{ role: 'user', content: [1] }] } }],
  ['nope', { ...JOB_CHAT, args: { model: 'test-model', messages: [{ role: 'user', content: 'x', nope: 1 }] } }],
  ['num_predict', { ...JOB_CHAT, args: { model: 'test-model', options: { num_predict: 'x' } } }],
  ['mode', { ...JOB_BASE, simulate: { mode: 'ok | fail' } }],
  ['model', { op: 'llm.chat', args: { messages: [] } }],
  ['op', { ...JOB_CHAT, op: 'llm.embed' }],
];
const JOB_NUMBERS = ['timeout_ms', 'simulate.latency_ms', 'simulate.seed'];

function wrongTypesAt(base: Record<string, unknown>, paths: readonly string[]): Case[] {
  return paths.flatMap((path) => WRONG_VALUES.map((value): Case => ({ kind: 'wrong-type', field: path.split('.').at(-1), what: `${path}=${JSON.stringify(value)}`, body: json(withPath(base, path, value)) })));
}

/** POST /v1/jobs: dummyLLM's body broken every way, and chats with huge inputs. */
export function jobCases(big: { fiveMb: Buffer; fiftyMb: Buffer }): Case[] {
  return [
    ...commonCases(JOB_BASE, big),
    { kind: 'big-text', what: 'a job whose message is 5 MB of text', body: json({ ...JOB_CHAT, args: { model: 'test-model', messages: [{ role: 'user', content: TEXT }] } }) },
    { kind: 'huge-array', what: `a job of ${MANY} messages`, body: json({ ...JOB_CHAT, args: { model: 'test-model', messages: Array.from({ length: MANY }, () => ({ role: 'user', content: 'x' })) } }) },
    ...wrongTypesAt(JOB_BASE, JOB_PATHS),
    ...JOB_NESTED.map(([field, body]): Case => ({ kind: 'nested', field, what: JSON.stringify(body), body: json(body) })),
    ...numbers(JOB_BASE, JOB_NUMBERS),
    ...numbers(JOB_CHAT, ['timeout_ms', 'args.options.num_predict']),
  ];
}

const BAD_JOB_IDS = ['nope', '%ff', 'job_%00', 'job_%2f', 'x'.repeat(4000)];
const BAD_JOB_QUERIES = ['state=nope', 'state=ok,nope', 'state=%ff', 'limit=0', 'limit=-1', 'limit=1e308', 'limit=abc', 'limit=99999999999999999999', 'nope=1'];

/**
 * The job routes that read no body (GET /health, GET /v1/jobs, GET /v1/jobs/:id, cancel): every
 * bad body must leave the answer as it is without one; bad ids and queries are named.
 */
export function jobReadCases(method: string, path: string, big: { fiveMb: Buffer; fiftyMb: Buffer }): Case[] {
  const cases = commonCases({}, big);
  if (path.includes(':id')) {
    for (const bad of BAD_JOB_IDS) cases.push({ kind: 'path', field: 'job', what: `:id=${bad.length > 20 ? `${bad.slice(0, 8)}... (${bad.length} chars)` : bad}`, body: Buffer.alloc(0), path: path.replace(':id', bad), expectStatus: 404 });
  }
  if (method === 'GET' && path === '/v1/jobs') {
    for (const q of BAD_JOB_QUERIES) cases.push({ kind: 'query', field: q.split('=')[0], what: `?${q}`, body: Buffer.alloc(0), path: `${path}?${q}`, expectStatus: 400 });
  }
  return cases;
}

// A node agent's POST /execute: seed 002's job body.
export const EXECUTE_BASE = { job_id: 'fuzz-1', model: 'test-model', prompt: 'hi', stream: false };
const EXECUTE_FIELDS = ['job_id', 'model', 'prompt', 'options', 'stream'];

export function executeCases(big: { fiveMb: Buffer; fiftyMb: Buffer }): Case[] {
  return [
    ...commonCases(EXECUTE_BASE, big),
    { kind: 'big-text', what: 'a 5 MB prompt', body: json({ ...EXECUTE_BASE, prompt: TEXT }) },
    ...wrongTypes(EXECUTE_BASE, EXECUTE_FIELDS),
    ...numbers(EXECUTE_BASE, ['options.num_predict', 'options.num_ctx', 'options.temperature', 'options.seed']),
    { kind: 'nested', field: 'num_predict', what: 'options.num_predict="x"', body: json({ ...EXECUTE_BASE, options: { num_predict: 'x' } }) },
  ];
}

// ---------------------------------------------------------------- the control API

/** A valid body per control endpoint (path pattern), so one broken field is all that is wrong. */
export function controlBase(path: string, port: number): Record<string, unknown> {
  switch (path) {
    case '/behavior': return { port, behavior: { type: 'Normal' } };
    case '/behavior/sequence': return { port, steps: [{ type: 'Normal' }] };
    case '/models': return { port, models: ['test-model', 'llama3.2'] };
    case '/loaded-model': return { port, model: 'test-model' };
    case '/kv-cache/clear': return { port };
    case '/servers': return { port: 0 };
    case '/agent': return { port, heartbeats: true };
    case '/agent/beat': return { port };
    default: return {};
  }
}

const CONTROL_FIELDS = ['port', 'behavior', 'steps', 'models', 'model', 'clear_counters', 'heartbeats', 'advertise'];

// POST /agent's `advertise` (the lies a node agent tells its hub): shapes and numbers.
const ADVERTISE_NESTED: Array<[string, unknown]> = [
  ['advertise', 1], ['advertise', []], ['extra_models', 1], ['extra_models', [1]], ['load', 1], ['load', { cpu: 'x', memory: 0 }],
  ['load', { cpu: 0 }], ['nope', { nope: 1 }],
];
const ADVERTISE_NUMBERS = ['advertise.active_jobs', 'advertise.load.cpu', 'advertise.load.memory'];

function advertiseCases(port: number): Case[] {
  const base = { port, advertise: { load: { cpu: 0, memory: 0 } } };
  return [
    ...ADVERTISE_NESTED.map(([field, v]): Case => ({ kind: 'nested', field, what: `advertise ${field}=${JSON.stringify(v)}`, body: json({ port, advertise: field === 'advertise' ? v : { [field]: v } }) })),
    ...numbers(base, ADVERTISE_NUMBERS),
  ];
}

// GET /events reads Last-Event-ID ("cursor@time") when an EventSource reconnects.
const BAD_EVENT_IDS = ['abc', '1@', '@1', '-1@5', '1@-5', '1@1e400', '1@@1', '1@1@1'];

// /ui/:file: names that are not a dashboard file, and ways out of its folder (a plain `..` is
// resolved by the URL itself: /ui/.. is /).
const BAD_FILES = ['nope.js', '..%2f..%2fpackage.json', '%2e%2e%2fcli.js', '%ff', 'index.html%00', 'app.js%2f..%2f..%2findex.html'];

const numericFields = (schema: Schema) => Object.entries(schema).filter(([, f]) => f.kind === 'int' || f.kind === 'number').map(([n]) => n);

/** Every numeric parameter of every behavior (and the targeting fields), huge and negative. */
function behaviorNumbers(port: number): Case[] {
  return [...BEHAVIORS.values()].flatMap((def) =>
    [...numericFields(def.params), ...numericFields(TARGETING)].flatMap((param) => [...NUMBERS, ...WRONG_VALUES].map((n): Case => ({
      kind: typeof n === 'number' && n !== 1.5 ? 'number' : 'wrong-type', field: param,
      what: `${def.type}.${param}=${JSON.stringify(n)}`, body: json({ port, behavior: { type: def.type, [param]: n } }),
    }))));
}

/** Every numeric server setting of POST /servers, and every duration (a number is seconds), huge and negative. */
function settingNumbers(): Case[] {
  const durations = Object.entries(SERVER_SCHEMA).filter(([, f]) => f.kind === 'duration').map(([n]) => n);
  return numbers({ port: 0 }, [...numericFields(SERVER_SCHEMA), ...durations]);
}

const BAD_PATH_PORTS = ['abc', '-1', '1e3', '99999999999999999999', '%ff', '0x10'];
const BAD_QUERIES = ['since=-1', 'limit=1e308', 'limit=0', 'port=abc', 'port=99999999999999999999', 'nope=1', 'since=%ff'];

export function controlCases(method: string, path: string, port: number, big: { fiveMb: Buffer; fiftyMb: Buffer }): Case[] {
  const base = controlBase(path, port);
  const sample = path.replace(':port', String(port)).replace(':file', 'index.html');
  const cases = [...commonCases(base, big), ...wrongTypes(base, CONTROL_FIELDS), ...numbers(base, ['port'])];
  if (path === '/behavior') cases.push(...behaviorNumbers(port));
  if (path === '/servers' && method === 'POST') cases.push(...settingNumbers());
  if (path === '/agent') cases.push(...advertiseCases(port));
  if (path.includes(':port')) {
    for (const bad of BAD_PATH_PORTS) cases.push({ kind: 'path', field: 'port', what: `:port=${bad}`, body: Buffer.alloc(0), path: path.replace(':port', bad) });
  }
  if (path.includes(':file')) {
    for (const bad of BAD_FILES) cases.push({ kind: 'path', field: 'file', what: `:file=${bad}`, body: Buffer.alloc(0), path: path.replace(':file', bad), expectStatus: 404 });
  }
  if (path === '/events') {
    for (const id of BAD_EVENT_IDS) cases.push({ kind: 'header', field: 'Last-Event-ID', what: `Last-Event-ID: ${id}`, body: Buffer.alloc(0), headers: { 'Last-Event-ID': id }, expectStatus: 400 });
  }
  if (method === 'GET' || method === 'DELETE') {
    for (const q of BAD_QUERIES) cases.push({ kind: 'query', field: q.split('=')[0], what: `?${q}`, body: Buffer.alloc(0), path: `${sample}?${q}` });
  }
  return cases;
}

export function bigBodies(base: Record<string, unknown>): { fiveMb: Buffer; fiftyMb: Buffer } {
  return { fiveMb: paddedBody(base, FIVE_MB), fiftyMb: paddedBody(base, FIFTY_MB) };
}
