import { defineBehavior } from './types.js';

export default defineBehavior<{ after_tokens: number }>({
  type: 'Stall',
  summary: 'Send N chunks, then keep the socket open and silent: no bytes, no FIN, no RST (a frozen machine). With N = 0 only the headers go out.',
  level: 'request',
  params: {
    after_tokens: { kind: 'int', min: 0, default: 2, doc: 'chunks sent before the silence' },
  },
  effect: (p) => ({ kind: 'serve', cut: { afterTokens: p.after_tokens, action: 'stall', flushHeaders: true } }),
});
