// How the compatibility layers (OpenAI, Anthropic) write a JSON body: with Go's json.Encoder, which
// ends it with a newline, as `application/json` without a charset.
import type { Headers } from '../exchange.js';

export const COMPAT_JSON: Headers = { 'Content-Type': 'application/json' };

export const jsonLine = (o: unknown): string => JSON.stringify(o) + '\n';
