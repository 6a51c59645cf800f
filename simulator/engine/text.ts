// Deterministic text that reads like text: sentences assembled from a small phrase grammar, driven
// by a seeded generator. The same seed always gives the same words.
import { type Rng, pick } from './random.js';
import { tokenize } from './tokenizer.js';

const OPENERS = ['The', 'A', 'Each', 'This', 'Every', 'Our', 'That'];
const SUBJECTS = [
  'model', 'server', 'request', 'answer', 'cache', 'balancer', 'stream', 'token', 'queue', 'reply',
  'system', 'network', 'engineer', 'test', 'result', 'prompt', 'river', 'mountain', 'garden', 'city',
];
const VERBS = [
  'follows', 'explains', 'keeps', 'reaches', 'improves', 'describes', 'answers', 'finds', 'shows',
  'carries', 'measures', 'checks', 'builds', 'remembers', 'shares', 'needs', 'watches', 'holds',
];
const ADJECTIVES = [
  'quiet', 'steady', 'careful', 'bright', 'simple', 'useful', 'small', 'clear', 'warm', 'quick',
  'honest', 'patient', 'gentle', 'busy', 'open', 'early', 'long', 'new', 'old', 'calm',
];
const OBJECTS = [
  'path', 'idea', 'question', 'pattern', 'detail', 'reason', 'answer', 'window', 'signal', 'story',
  'morning', 'journey', 'bridge', 'lesson', 'plan', 'problem', 'picture', 'record', 'rhythm', 'light',
];
const TAILS = [
  'in the end', 'every time', 'without a pause', 'for a while', 'along the way', 'by design',
  'at the edge of the day', 'with some care', 'one step at a time', 'before long',
];
const THINKING_OPENERS = [
  'Let me think about', 'First I should consider', 'The user is asking about', 'I need to check',
  'It helps to look at', 'Maybe the key point is',
];

function sentence(rng: Rng): string {
  const parts = [pick(rng, OPENERS), pick(rng, ADJECTIVES), pick(rng, SUBJECTS), pick(rng, VERBS)];
  parts.push(rng() < 0.5 ? 'the' : 'a', pick(rng, ADJECTIVES), pick(rng, OBJECTS));
  if (rng() < 0.4) parts.push(pick(rng, TAILS));
  const text = parts.join(' ').replace(/^A ([aeio])/, 'An $1').replace(/ a ([aeio])/g, ' an $1');
  return text + (rng() < 0.15 ? '!' : '.');
}

function thought(rng: Rng): string {
  return `${pick(rng, THINKING_OPENERS)} the ${pick(rng, ADJECTIVES)} ${pick(rng, OBJECTS)}.`;
}

function tokensFrom(rng: Rng, count: number, make: (rng: Rng) => string, endWithStop: boolean): string[] {
  if (count <= 0) return [];
  const out: string[] = [];
  let first = true;
  while (out.length < count) {
    const text = (first ? '' : ' ') + make(rng);
    first = false;
    out.push(...tokenize(text));
  }
  out.length = count;
  // A reply that stops on its own ends on a sentence end, not mid-phrase.
  if (endWithStop && !/[.!?]$/.test(out[count - 1])) out[count - 1] = count === 1 ? 'Okay' : '.';
  return out;
}

/** `count` tokens of prose. `complete` says the reply ended by itself (done_reason stop). */
export function proseTokens(rng: Rng, count: number, complete = true): string[] {
  return tokensFrom(rng, count, sentence, complete);
}

export function thinkingTokens(rng: Rng, count: number): string[] {
  return tokensFrom(rng, count, thought, true);
}

type JsonSchema = { type?: string | string[]; properties?: Record<string, JsonSchema>; items?: JsonSchema; enum?: unknown[] };

/** A value that satisfies the common subset of JSON Schema that structured-output clients send. */
export function valueForSchema(rng: Rng, schema: JsonSchema | undefined, depth = 0): unknown {
  if (!schema || typeof schema !== 'object') return pick(rng, OBJECTS);
  if (Array.isArray(schema.enum) && schema.enum.length) return pick(rng, schema.enum);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'integer':
      return Math.floor(rng() * 100);
    case 'number':
      return Math.round(rng() * 10000) / 100;
    case 'boolean':
      return rng() < 0.5;
    case 'null':
      return null;
    case 'array':
      return depth > 3 ? [] : [valueForSchema(rng, schema.items, depth + 1), valueForSchema(rng, schema.items, depth + 1)];
    case 'string':
      return `${pick(rng, ADJECTIVES)} ${pick(rng, OBJECTS)}`;
    default: {
      if (!schema.properties) return depth === 0 ? { answer: sentence(rng) } : pick(rng, OBJECTS);
      const out: Record<string, unknown> = {};
      for (const [key, sub] of Object.entries(schema.properties)) out[key] = valueForSchema(rng, sub, depth + 1);
      return out;
    }
  }
}

/** JSON-mode output: `format: "json"` gives a small object, a schema gives an instance of it. */
export function jsonTokens(rng: Rng, schema: JsonSchema | undefined): string[] {
  const value = schema ? valueForSchema(rng, schema) : { answer: sentence(rng), confidence: Math.round(rng() * 100) / 100 };
  return tokenize(JSON.stringify(value));
}
