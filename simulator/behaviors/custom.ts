import { defineBehavior } from './types.js';

export default defineBehavior<{ response_body: string; status_code: number; content_type: string; delay_ms: number }>({
  type: 'Custom',
  summary: 'Answer exactly this status, content type and body, after a delay.',
  level: 'request',
  params: {
    response_body: { kind: 'string', default: '', doc: 'body bytes (UTF-8)' },
    status_code: { kind: 'int', min: 100, max: 599, default: 200, doc: 'HTTP status' },
    content_type: { kind: 'string', default: 'application/json', doc: 'Content-Type header' },
    delay_ms: { kind: 'int', min: 0, default: 0, doc: 'wait before answering' },
  },
  effect: (p) => ({ kind: 'custom', status: p.status_code, contentType: p.content_type, body: p.response_body, delayMs: p.delay_ms }),
});
