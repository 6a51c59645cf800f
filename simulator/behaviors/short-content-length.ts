import { defineBehavior } from './types.js';

export default defineBehavior<{ short_by: number; after_tokens: number }>({
  type: 'ShortContentLength',
  summary:
    "A Content-Length short of the body, as from a server that counts characters, not UTF-8 bytes: the whole body follows on a keep-alive connection, so the peer reads a truncated body and the surplus bytes poison the connection's next response. A stream (chunked) frames chunk N short by as much, then FIN.",
  level: 'request',
  params: {
    short_by: { kind: 'int', min: 1, default: 8, doc: 'bytes the declared length falls short of the body' },
    after_tokens: { kind: 'int', min: 0, default: 2, doc: 'streams: chunks framed correctly before the short one' },
  },
  effect: (p) => ({ kind: 'serve', cut: { afterTokens: p.after_tokens, action: 'short_content_length', shortBy: p.short_by } }),
});
