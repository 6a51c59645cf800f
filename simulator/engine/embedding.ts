// The one embedding function behind /api/embed, /api/embeddings and /v1/embeddings: a vector per
// (fleet seed, model, text), the sum of a pseudo-random vector per token, so texts that share words
// point in similar directions. L2-normalised, every component rounded to float32 (what Ollama sends,
// and what a base64 little-endian float32 encoding carries exactly).
import { hash32, rngFromSeed } from './random.js';
import { tokenize } from './tokenizer.js';

function tokenVector(seed: number, modelKey: string, token: string, length: number, into: Float64Array): void {
  const rng = rngFromSeed(hash32(seed, modelKey, token.trim().toLowerCase()));
  for (let i = 0; i < length; i++) into[i] += rng() * 2 - 1;
}

function normalized(values: ArrayLike<number>, length: number): number[] {
  let norm = 0;
  for (let i = 0; i < length; i++) norm += values[i] * values[i];
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  const out = new Array<number>(length);
  for (let i = 0; i < length; i++) out[i] = Math.fround(values[i] * scale);
  return out;
}

/**
 * The embedding of `text` for `modelKey` (the model's lookup key, e.g. `all-minilm:latest`).
 * `dimensions` (1..length) keeps the first N components and normalises again, as Ollama does.
 */
export function embeddingVector(seed: number, modelKey: string, text: string, length: number, dimensions?: number): number[] {
  const sum = new Float64Array(length);
  const tokens = tokenize(text);
  for (const token of tokens.length ? tokens : ['']) tokenVector(seed, modelKey, token, length, sum);
  const keep = dimensions && dimensions > 0 && dimensions < length ? dimensions : length;
  return normalized(sum, keep);
}

/** Little-endian float32 bytes of a vector, base64 (OpenAI `encoding_format: "base64"`). */
export function embeddingBase64(vector: number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  vector.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}
