// A word-level tokenizer that keeps every character: a token is a run of letters/digits with its
// leading spaces, a single punctuation mark, or a line break. Joining the tokens gives the text
// back, so generated replies re-tokenize to the same tokens when a client echoes them in the next
// turn, and the KV cache can match whole conversations.
import { hash32 } from './random.js';

const TOKEN = /\s*[\p{L}\p{N}_]+|\s*[^\s\p{L}\p{N}_]|\s+/gu;
// The same classes restricted to ASCII (letters, digits; \s matches the same ASCII characters in
// both modes): the same tokens for ASCII text, without Unicode property lookups.
// Generated replies are ASCII, and a reply is tokenized sentence by sentence.
const ASCII_TOKEN = /\s*[A-Za-z0-9_]+|\s*[^\sA-Za-z0-9_]|\s+/g;
const NON_ASCII = /[^\x00-\x7f]/;

export function tokenize(text: string): string[] {
  return text.match(NON_ASCII.test(text) ? TOKEN : ASCII_TOKEN) ?? [];
}

export function countTokens(text: string): number {
  return tokenize(text).length;
}

/** A stable id in a 128k vocabulary, for `context` arrays. */
export function tokenId(token: string): number {
  return hash32(token) % 128_000;
}
