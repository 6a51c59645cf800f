import { defineBehavior } from './types.js';

export default defineBehavior<{ timeout_ms: number }>({
  type: 'TimeoutAfterHeaders',
  summary: 'Send the 200 status line and headers (when the first token would be due), then stay silent: socket open, no body byte, no FIN.',
  level: 'request',
  params: {
    timeout_ms: { kind: 'int', min: 0, default: 0, doc: 'close the connection (FIN) after this much silence; 0 = silent forever' },
  },
  effect: (p) => ({
    kind: 'serve',
    cut: { afterTokens: 0, action: 'stall', flushHeaders: true, stallMs: p.timeout_ms > 0 ? p.timeout_ms : undefined },
  }),
});
