// A word-level tokenizer that keeps every character: a token is a run of letters/digits with its
// leading spaces, a single punctuation mark, or a line break. Joining the tokens gives the text
// back, so generated replies re-tokenize to the same tokens when a client echoes them in the next
// turn, and the KV cache can match whole conversations.
import { hash32 } from './random.js';

const TOKEN = /\s*[\p{L}\p{N}_]+|\s*[^\s\p{L}\p{N}_]|\s+/gu;

export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

export function countTokens(text: string): number {
  return tokenize(text).length;
}

/** A stable id in a 128k vocabulary, for `context` arrays. */
export function tokenId(token: string): number {
  return hash32(token) % 128_000;
}
