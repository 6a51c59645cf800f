import { defineBehavior } from './types.js';

export default defineBehavior<{ after_tokens: number; message: string }>({
  type: 'InBandError',
  summary:
    'HTTP 200, N chunks, then the error the way real Ollama reports it mid-stream: a {"error":"..."} NDJSON line and a clean end (OpenAI and Anthropic streams end without their finish events). Non-streaming requests get a 500.',
  level: 'request',
  params: {
    after_tokens: { kind: 'int', min: 0, default: 2, doc: 'chunks sent before the error' },
    message: { kind: 'string', default: 'an error was encountered while running the model', doc: 'error text' },
  },
  effect: (p) => ({ kind: 'serve', cut: { afterTokens: p.after_tokens, action: 'inband_error', message: p.message } }),
});
