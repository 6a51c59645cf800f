import { defineBehavior } from './types.js';

export default defineBehavior<{ after_tokens: number }>({
  type: 'Truncate',
  summary: 'Send N chunks, then end the HTTP body cleanly (terminating chunk) without the final done chunk.',
  level: 'request',
  params: {
    after_tokens: { kind: 'int', min: 0, default: 2, doc: 'chunks sent before the clean end' },
  },
  effect: (p) => ({ kind: 'serve', cut: { afterTokens: p.after_tokens, action: 'truncate' } }),
});
