// Judging and counting the campaign's answers. For each answer: was it a clear error (a message in
// the route's error envelope that names the broken field, or for a body that is not JSON at all,
// says what is wrong with it)? Which 5xx did it get, and is it one real Ollama gives too?
import type { Case } from './inputs.js';
import type { Answer, Outcome } from './wire.js';

export type Surface = 'ollama' | 'control';

// The 500s the reference (§3.2) lists for Ollama itself; the simulator gives them on purpose.
const OLLAMA_OWN_500 = [/^option "\w+" must be of type/, /^invalid format: /];

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
];

export interface Judged {
  status: number | 'hang' | 'reset' | 'closed';
  clear: 'names-field' | 'ollama-wording' | 'not-json-explained' | 'accepted' | 'unclear';
  fiveXx: 'none' | 'ollama-own' | 'other';
  message: string;
}

/** The error message in the answer's envelope: native/control {error}, OpenAI {error:{message}}, Anthropic {error:{message}}, or text/plain. */
export function errorMessage(a: Answer): string | null {
  if (a.contentType.startsWith('text/plain')) return a.body;
  try {
    const body = JSON.parse(a.body) as { error?: unknown };
    if (typeof body.error === 'string') return body.error;
    const inner = body.error as { message?: unknown } | undefined;
    return typeof inner?.message === 'string' ? inner.message : null;
  } catch {
    return null;
  }
}

function controlField(a: Answer): string | null {
  try {
    const f = (JSON.parse(a.body) as { field?: unknown }).field;
    return typeof f === 'string' ? f : null;
  } catch {
    return null;
  }
}

export function judge(surface: Surface, c: Case, outcome: Outcome): Judged {
  if (outcome === 'hang' || outcome === 'reset') return { status: outcome, clear: 'unclear', fiveXx: 'none', message: '' };
  const a = outcome;
  if (a.status < 400) return { status: a.status, clear: 'accepted', fiveXx: 'none', message: '' };
  const message = errorMessage(a) ?? '';
  const fiveXx = a.status < 500 ? 'none' : OLLAMA_OWN_500.some((re) => re.test(message)) ? 'ollama-own' : 'other';
  let clear: Judged['clear'] = 'unclear';
  if (message.trim() !== '') {
    const field = c.field?.toLowerCase();
    const named = field !== undefined && (message.toLowerCase().includes(field) || controlField(a)?.toLowerCase() === field);
    if (named) clear = 'names-field';
    else if (surface === 'ollama' && OLLAMA_OWN_WORDING.some(([re]) => re.test(message))) clear = 'ollama-wording';
    else if (field === undefined) clear = 'not-json-explained'; // the body itself is the problem: any message saying so
    else if (surface === 'control' && a.status === 404 && /^no server on port \d+/.test(message)) clear = 'names-field';
  }
  return { status: a.status, clear, fiveXx, message };
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
  /** Up to a few examples per problem, for the failure message. */
  problems: string[];
  ollamaWording: Map<string, number>;
}

export function emptyRow(): Row {
  return { requests: 0, byStatus: new Map(), clear: new Map(), fiveXx: new Map(), hangs: 0, resets: 0, tooLargeNamingLimit: 0, tooLarge: 0, problems: [], ollamaWording: new Map() };
}

const bump = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);

export function count(row: Row, route: string, c: Case, j: Judged, limit: number): void {
  row.requests++;
  bump(row.byStatus, String(j.status));
  bump(row.clear, j.clear);
  bump(row.fiveXx, j.fiveXx);
  if (j.status === 'hang') row.hangs++;
  if (j.status === 'reset') row.resets++;
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
    : j.fiveXx === 'other' ? `a 5xx Ollama does not give: ${j.status} ${j.message}`
    : j.clear === 'unclear' ? `an error that does not name ${c.field ?? 'the problem'}: ${j.status} ${JSON.stringify(j.message)}`
    : null;
  if (problem && row.problems.length < 40) row.problems.push(`${route} ${c.what}: ${problem}`);
}
