import { MAX_NUM_TOKENS } from '../engine/reply.js';
import { defineBehavior } from './types.js';

export default defineBehavior<{ tokens_per_sec: number; num_tokens?: number }>({
  type: 'Slow',
  summary: 'Serve a complete, normal response, generated slowly.',
  level: 'request',
  params: {
    tokens_per_sec: { kind: 'number', min: 0.001, default: 5, doc: 'generation speed' },
    num_tokens: { kind: 'int', min: 0, max: MAX_NUM_TOKENS, doc: "reply length; default the server's num_tokens" },
  },
  effect: (p) => ({ kind: 'serve', timing: { tokensPerSec: p.tokens_per_sec, numTokens: p.num_tokens } }),
});
