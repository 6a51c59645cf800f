// Error responses in each API family's own envelope (reference §3): native `{"error":"..."}`,
// OpenAI `{"error":{"message","type","param","code"}}`, Anthropic `{"type":"error","error":{...}}`,
// and the job API's `{"error":{"code","message"}}` (the shape of a failed job's `error`).
import { randomBytes } from 'node:crypto';
import type { Headers } from '../cuts/types.js';

export type Envelope = 'native' | 'openai' | 'anthropic' | 'jobs';

export const NATIVE_JSON = 'application/json; charset=utf-8';

function openaiType(status: number): string {
  if (status === 400) return 'invalid_request_error';
  if (status === 404) return 'not_found_error';
  return 'api_error';
}

function anthropicType(status: number): string {
  const map: Record<number, string> = {
    400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error',
    429: 'rate_limit_error', 503: 'overloaded_error', 529: 'overloaded_error',
  };
  return map[status] ?? 'api_error';
}

const JOB_ERROR_CODES: Record<number, string> = {
  400: 'BAD_REQUEST', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 409: 'CONFLICT', 429: 'RATE_LIMITED', 503: 'UNAVAILABLE',
};

/** A job API error: `code` from the status, and for bad input the field and its allowed values. */
export function jobErrorBody(status: number, message: string, detail: { field?: string; allowed?: readonly string[] } = {}): string {
  const code = JOB_ERROR_CODES[status] ?? (status >= 500 ? 'SERVER_ERROR' : `HTTP_${status}`);
  return JSON.stringify({ error: { code, message, ...detail } });
}

/** Body and Content-Type of an error in the given envelope. */
export function errorBody(envelope: Envelope, status: number, message: string): { contentType: string; body: string } {
  switch (envelope) {
    case 'native':
      return { contentType: NATIVE_JSON, body: JSON.stringify({ error: message }) };
    case 'openai':
      return {
        contentType: 'application/json',
        body: JSON.stringify({ error: { message, type: openaiType(status), param: null, code: null } }) + '\n',
      };
    case 'anthropic':
      return {
        contentType: 'application/json',
        body: JSON.stringify({ type: 'error', error: { type: anthropicType(status), message }, request_id: `req_${randomBytes(12).toString('hex')}` }) + '\n',
      };
    case 'jobs':
      return { contentType: 'application/json', body: jobErrorBody(status, message) };
  }
}

/** A request that cannot be served, found while validating it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Headers = {},
    /** Overrides the route's envelope. */
    readonly envelope?: Envelope,
  ) {
    super(message);
  }
}
