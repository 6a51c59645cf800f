import { defineBehavior } from './types.js';

export default defineBehavior<{ after_tokens: number; kind: 'json' | 'framing' }>({
  type: 'MalformedChunk',
  summary:
    "After N chunks: kind 'json' sends a line that is not valid JSON and then carries on to the normal end; kind 'framing' sends bytes that break HTTP chunked framing and closes.",
  level: 'request',
  params: {
    after_tokens: { kind: 'int', min: 0, default: 2, doc: 'chunks sent before the bad one' },
    kind: { kind: 'enum', values: ['json', 'framing'], default: 'json', doc: 'what is broken' },
  },
  effect: (p) => ({ kind: 'serve', cut: { afterTokens: p.after_tokens, action: p.kind === 'json' ? 'malformed_json' : 'malformed_framing' } }),
});
