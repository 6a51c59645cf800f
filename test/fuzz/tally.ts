// Judging and counting the campaign's answers. For each answer: was it a clear error (a message in
// the route's error envelope that names the broken field, or for a body that is not JSON at all,
// says what is wrong with it)? Which 5xx did it get, and is it one real Ollama gives too?
import type { Case } from './inputs.js';
import type { Answer, Outcome } from './wire.js';

export type Surface = 'ollama' | 'control';

// The 500s the reference (§3.2) lists for Ollama itself; the simulator gives them on purpose. A
// node agent relays any Ollama error as seed 002's agent does: a 502 in httpx's words.
const OLLAMA_OWN_500 = [/^option "\w+" must be of type/, /^invalid format: /, /^Ollama error: (Client|Server) error '\d{3} [^']*' for url /];

// Ollama's own messages that do not contain the field's name, mirrored word for word because a
// real client must not tell the difference (reference §0.1, §0.2, §3.2). Each still says exactly
// what is wrong; they are counted apart from "unclear" so the report shows them.
const OLLAMA_OWN_WORDING: Array<[RegExp, string]> = [
  [/^Unsupported type: '.+'$/, 'keep_alive of another type (Go: Unsupported type)'],
  [/^time: (invalid duration|missing unit in duration) /, 'keep_alive that is not a duration (Go time.ParseDuration)'],
  [/^model ["'].*["'] not found/, 'the model or source named does not exist'],
  [/^invalid model name$/, 'a name that is not a model name'],
  [/^(source|destination|name) ".*" is invalid$/, 'copy/delete with a bad name'],
  [/^json: cannot unmarshal \w+ into Go value of type /, 'a body that is not an object'],
  [/^illegal base64 data at input byte \d+$/, 'images that are not base64'],
  [/does not support (thinking|tools|vision|insert|chat|generate)$/, 'a capability the model lacks'],
  [/^invalid (message format|message content type: .*|image input|tool call arguments|input type)$/, 'OpenAI middleware content checks'],
  [/^invalid (reasoning|think) value: /, 'a reasoning_effort or think value that is not a level'],
  [/^neither 'from' or 'files' was specified$/, 'create without a source'],
  [/^pull model manifest: file does not exist$/, 'pull of a name that does not exist upstream'],
  [/^Ollama error: (Client|Server) error '\d{3} [^']*' for url '/, 'a node agent relays an Ollama error without its message (seed 002)'],
];

export interface Judged {
  status: number | 'hang' | 'reset' | 'closed';
  /** `ignored`: a route that reads no body answered as it does without one. */
  clear: 'names-field' | 'ollama-wording' | 'not-json-explained' | 'accepted' | 'ignored' | 'unclear';
  fiveXx: 'none' | 'ollama-own' | 'other';
  message: string;
  /** What is wrong besides clarity: a status other than the case expects, a stream that does not start with an event. */
  wrong?: string;
  /** An endless stream (GET /events), judged by its head and first event. */
  stream?: boolean;
}

/** FastAPI's `detail`: a string, or pydantic's list of {loc, msg} (a node agent's 422). */
function detailMessage(detail: unknown): string | null {
  if (typeof detail === 'string') return detail;
  if (!Array.isArray(detail)) return null;
  return detail.map((d: { loc?: unknown[]; msg?: unknown }) => `${(d.loc ?? []).join('.')}: ${String(d.msg)}`).join('; ');
}

/**
 * The error message in the answer's envelope: native/control {error}, OpenAI, Anthropic and the
 * job API {error:{message}}, a node agent's {detail}, or text/plain.
 */
export function errorMessage(a: Answer): string | null {
  if (a.contentType.startsWith('text/plain')) return a.body;
  try {
    const body = JSON.parse(a.body) as { error?: unknown; detail?: unknown };
    if (typeof body.error === 'string') return body.error;
    if (body.detail !== undefined) return detailMessage(body.detail);
    const inner = body.error as { message?: unknown } | undefined;
    return typeof inner?.message === 'string' ? inner.message : null;
  } catch {
    return null;
  }
}

/** The `field` the answer names: the control API's top-level one, or the job API's inside `error`. */
function namedField(a: Answer): string | null {
  try {
    const body = JSON.parse(a.body) as { field?: unknown; error?: { field?: unknown } };
    const f = body.field ?? body.error?.field;
    return typeof f === 'string' ? f : null;
  } catch {
    return null;
  }
}

/** A stream (GET /events) never ends: its head and its first event are what can be judged. */
function judgeStream(a: Answer): Judged {
  const data = /^data: (.*)$/m.exec(a.body)?.[1];
  let wrong: string | undefined;
  if (a.status !== 200) wrong = `a ${a.status} stream`;
  else if (!/^event: \w+$/m.test(a.body) || data === undefined) wrong = `a stream whose first event has no event and data lines: ${JSON.stringify(a.body.slice(0, 200))}`;
  else {
    try {
      JSON.parse(data);
    } catch {
      wrong = `a stream whose first event's data is not JSON: ${data.slice(0, 200)}`;
    }
  }
  return { status: a.status, clear: 'accepted', fiveXx: 'none', message: '', wrong, stream: true };
}

export function judge(surface: Surface, c: Case, outcome: Outcome): Judged {
  if (outcome === 'hang' || outcome === 'reset') return { status: outcome, clear: 'unclear', fiveXx: 'none', message: '' };
  const a = outcome;
  const wrong = c.expectStatus !== undefined && a.status !== c.expectStatus ? `expected ${c.expectStatus}, got ${a.status} ${a.body.slice(0, 200)}` : undefined;
  if (a.stream) return { ...judgeStream(a), ...(wrong ? { wrong } : {}) };
  if (a.status < 400) return { status: a.status, clear: 'accepted', fiveXx: 'none', message: '', wrong };
  const message = errorMessage(a) ?? '';
  const fiveXx = a.status < 500 ? 'none' : OLLAMA_OWN_500.some((re) => re.test(message)) ? 'ollama-own' : 'other';
  let clear: Judged['clear'] = 'unclear';
  if (message.trim() !== '') {
    const field = c.field?.toLowerCase();
    const named = field !== undefined && (message.toLowerCase().includes(field) || namedField(a)?.toLowerCase() === field);
    if (named) clear = 'names-field';
    else if (surface === 'ollama' && OLLAMA_OWN_WORDING.some(([re]) => re.test(message))) clear = 'ollama-wording';
    else if (field === undefined) clear = 'not-json-explained'; // the body itself is the problem: any message saying so
    else if (surface === 'control' && a.status === 404 && /^no server on port \d+/.test(message)) clear = 'names-field';
  }
  return { status: a.status, clear, fiveXx, message, wrong };
}

/**
 * For a route that reads no body: a body within the limit must not change the answer (`baseline`,
 * the status without one). Over the limit it is a 413 like anywhere, judged as such.
 */
export function judgeIgnored(j: Judged, baseline: number): Judged {
  if (typeof j.status !== 'number' || j.status === 413 || j.wrong) return j;
  if (j.status === baseline) return { ...j, clear: 'ignored' };
  return { ...j, wrong: `the body changed the answer: ${j.status} ${j.message}, ${baseline} without it` };
}

export interface Row {
  requests: number;
  byStatus: Map<string, number>;
  clear: Map<Judged['clear'], number>;
  fiveXx: Map<Judged['fiveXx'], number>;
  hangs: number;
  resets: number;
  tooLargeNamingLimit: number;
  tooLarge: number;
  /** Endless streams that started with a well-formed event. */
  streams: number;
  /** Up to a few examples per problem, for the failure message. */
  problems: string[];
  ollamaWording: Map<string, number>;
}

export function emptyRow(): Row {
  return { requests: 0, byStatus: new Map(), clear: new Map(), fiveXx: new Map(), hangs: 0, resets: 0, tooLargeNamingLimit: 0, tooLarge: 0, streams: 0, problems: [], ollamaWording: new Map() };
}

const bump = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);

export function count(row: Row, route: string, c: Case, j: Judged, limit: number): void {
  row.requests++;
  bump(row.byStatus, String(j.status));
  bump(row.clear, j.clear);
  bump(row.fiveXx, j.fiveXx);
  if (j.status === 'hang') row.hangs++;
  if (j.status === 'reset') row.resets++;
  if (j.stream && j.wrong === undefined) row.streams++;
  if (j.status === 413) {
    row.tooLarge++;
    if (j.message.includes(String(limit))) row.tooLargeNamingLimit++;
  }
  if (j.clear === 'ollama-wording') {
    const label = OLLAMA_OWN_WORDING.find(([re]) => re.test(j.message))![1];
    bump(row.ollamaWording, label);
  }
  const problem = j.status === 'hang' ? 'no answer within 5 s'
    : j.status === 'reset' ? 'connection broken without an answer'
    : j.wrong !== undefined ? j.wrong
    : j.fiveXx === 'other' ? `a 5xx Ollama does not give: ${j.status} ${j.message}`
    : j.clear === 'unclear' ? `an error that does not name ${c.field ?? 'the problem'}: ${j.status} ${JSON.stringify(j.message)}`
    : null;
  if (problem && row.problems.length < 40) row.problems.push(`${route} ${c.what}: ${problem}`);
}
