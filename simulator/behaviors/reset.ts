import { ValidationError } from '../schema.js';
import { defineBehavior } from './types.js';

type Params = { on: 'tokens' | 'accept' | 'request' | 'headers'; after_tokens?: number };

export default defineBehavior<Params>({
  type: 'Reset',
  summary:
    "A real TCP RST (SO_LINGER 0): on 'accept' (every new connection, before HTTP), on 'request' (after reading it, before any response byte), on 'headers' (right after the status line and headers), or on 'tokens' (after N chunks). When bytes went out first, the RST follows them by 50 ms so the client reads them before the reset.",
  level: (p) => (p.on === 'accept' ? 'connection' : 'request'),
  params: {
    on: { kind: 'enum', values: ['tokens', 'accept', 'request', 'headers'], default: 'tokens', doc: 'when to reset' },
    after_tokens: { kind: 'int', min: 0, doc: "chunks sent before the reset (only with on 'tokens'; default 2)" },
  },
  check: (p) => {
    if (p.after_tokens !== undefined && p.on !== 'tokens') {
      throw new ValidationError(`Reset: field 'after_tokens' only applies when 'on' is "tokens", not ${JSON.stringify(p.on)}`, 'after_tokens');
    }
  },
  effect: (p) => {
    if (p.on === 'request') return { kind: 'cut', cut: { action: 'reset' } };
    if (p.on === 'headers') return { kind: 'serve', cut: { afterTokens: 0, action: 'reset', flushHeaders: true } };
    return { kind: 'serve', cut: { afterTokens: p.after_tokens ?? 2, action: 'reset' } };
  },
  // Only used with on 'accept' (a connection-level behavior).
  onConnection: (socket) => socket.resetAndDestroy(),
});
