// Error responses in each API family's own envelope (reference §3): native `{"error":"..."}`,
// OpenAI `{"error":{"message","type","param","code"}}`, Anthropic `{"type":"error","error":{...}}`,
// the job API's `{"error":{"code","message"}}` (the shape of a failed job's `error`), and the node
// agent's `{"detail"}` (seed 002).
import { randomBytes } from 'node:crypto';
import type { Headers } from '../cuts/types.js';

export type Envelope = 'native' | 'openai' | 'anthropic' | 'jobs' | 'agent';

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
  400: 'BAD_REQUEST', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 409: 'CONFLICT', 413: 'PAYLOAD_TOO_LARGE', 429: 'RATE_LIMITED', 503: 'UNAVAILABLE',
};

/** A job API error: `code` from the status, and for bad input the field and its allowed values. */
export function jobErrorBody(status: number, message: string, detail: { field?: string; allowed?: readonly string[] } = {}): string {
  const code = JOB_ERROR_CODES[status] ?? (status >= 500 ? 'SERVER_ERROR' : `HTTP_${status}`);
  return JSON.stringify({ error: { code, message, ...detail } });
}

const REASONS: Record<number, string> = {
  400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 413: 'Payload Too Large',
  429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/**
 * Seed 002's node agent (FastAPI) relays any error of its Ollama as 502 with httpx's
 * raise_for_status text in `detail`: the hub never sees Ollama's status or message.
 */
function agentRelay(status: number, url: string): { status: number; contentType: string; body: string } {
  const kind = status < 500 ? 'Client error' : 'Server error';
  const detail = `Ollama error: ${kind} '${status} ${REASONS[status] ?? 'Error'}' for url '${url}'\nFor more information check: https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/${status}`;
  return { status: 502, contentType: 'application/json', body: JSON.stringify({ detail }) };
}

/**
 * Body and Content-Type of an error in the given envelope, and the status to send when the
 * envelope changes it (the agent's). `ollamaUrl` is the server's own, for the agent's message.
 */
export function errorBody(envelope: Envelope, status: number, message: string, ollamaUrl = ''): { status?: number; contentType: string; body: string } {
  switch (envelope) {
    case 'agent':
      return agentRelay(status, `${ollamaUrl}/api/generate`);
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
