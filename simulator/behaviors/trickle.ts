import { defineBehavior } from './types.js';

export default defineBehavior<{ bytes_per_sec: number }>({
  type: 'Trickle',
  summary: 'Serve normally, but let the response body out at most this many bytes per second.',
  level: 'request',
  params: {
    bytes_per_sec: { kind: 'int', min: 1, default: 64, doc: 'body bandwidth' },
  },
  effect: (p) => ({ kind: 'serve', bytesPerSec: p.bytes_per_sec }),
});
