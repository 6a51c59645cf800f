import { defineBehavior } from './types.js';

export default defineBehavior<{ retry_after_s: number; message: string }>({
  type: 'RateLimited',
  summary: "Answer 429 with a Retry-After header, in the endpoint's error envelope.",
  level: 'request',
  params: {
    retry_after_s: { kind: 'int', min: 0, default: 1, doc: 'Retry-After value in seconds' },
    message: { kind: 'string', default: 'too many requests', doc: 'error message' },
  },
  effect: (p) => ({ kind: 'error', status: 429, message: p.message, headers: { 'Retry-After': String(p.retry_after_s) } }),
});
