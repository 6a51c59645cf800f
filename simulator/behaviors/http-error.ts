import { defineBehavior } from './types.js';

export default defineBehavior<{ status_code: number; message: string }>({
  type: 'HttpError',
  summary: "Answer with this status and message, in the endpoint's error envelope (native, OpenAI or Anthropic).",
  level: 'request',
  params: {
    status_code: { kind: 'int', min: 100, max: 599, default: 500, doc: 'HTTP status' },
    message: { kind: 'string', default: 'internal server error', doc: 'error message' },
  },
  effect: (p) => ({ kind: 'error', status: p.status_code, message: p.message }),
});
