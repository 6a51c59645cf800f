import { MAX_NUM_TOKENS } from '../engine/reply.js';
import { defineBehavior } from './types.js';

export default defineBehavior<{ tokens_per_sec?: number; prompt_eval_tokens_per_sec?: number; num_tokens?: number; load_delay_ms?: number }>({
  type: 'Normal',
  summary: "Serve like Ollama, at the server's configured speed unless overridden here.",
  level: 'request',
  params: {
    tokens_per_sec: { kind: 'number', min: 0.001, doc: "generation speed; default the server's tokens_per_sec (65)" },
    prompt_eval_tokens_per_sec: { kind: 'number', min: 0.001, doc: "prompt evaluation speed; default the server's prompt_tokens_per_sec (2900)" },
    num_tokens: { kind: 'int', min: 0, max: MAX_NUM_TOKENS, doc: "reply length when the request sets no limit; default the server's num_tokens (20)" },
    load_delay_ms: { kind: 'number', min: 0, doc: "cold-load time of a model; default the server's load_ms (200)" },
  },
  effect: (p) => ({
    kind: 'serve',
    timing: { tokensPerSec: p.tokens_per_sec, promptTokensPerSec: p.prompt_eval_tokens_per_sec, numTokens: p.num_tokens, loadMs: p.load_delay_ms },
  }),
});
