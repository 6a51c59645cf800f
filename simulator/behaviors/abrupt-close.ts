import { defineBehavior } from './types.js';

export default defineBehavior<{ bytes_before_close: number }>({
  type: 'AbruptClose',
  summary: 'Send the headers and the first N bytes of the body payload, then a TCP RST (a shorter body is sent whole, then the RST).',
  level: 'request',
  params: {
    bytes_before_close: { kind: 'int', min: 0, default: 100, doc: 'body bytes sent before the reset' },
  },
  effect: (p) => ({ kind: 'serve', cut: { afterBytes: p.bytes_before_close, action: 'reset', flushHeaders: true } }),
});
