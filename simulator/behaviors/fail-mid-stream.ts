import { defineBehavior } from './types.js';

export default defineBehavior<{ tokens_before_fail: number; tokens_per_sec?: number }>({
  type: 'FailMidStream',
  summary: 'Deliver the 200 headers and exactly N complete chunks, then close the connection (FIN) with no terminating chunk and no done line. With N = 0, or on a non-streamed request, the FIN comes before any byte (an empty reply).',
  level: 'request',
  params: {
    tokens_before_fail: { kind: 'int', min: 0, default: 3, doc: 'complete chunks delivered before the close' },
    tokens_per_sec: { kind: 'number', min: 0.001, doc: "speed of those chunks; default the server's" },
  },
  effect: (p) => ({ kind: 'serve', timing: { tokensPerSec: p.tokens_per_sec }, cut: { afterTokens: p.tokens_before_fail, action: 'fin' } }),
});
