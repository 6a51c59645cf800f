import { defineBehavior } from './types.js';

export default defineBehavior<{ delay_ms: number }>({
  type: 'SlowHeaders',
  summary: 'Wait this long after reading the request before doing anything else, so the status line and headers come late.',
  level: 'request',
  params: {
    delay_ms: { kind: 'int', min: 0, default: 5000, doc: 'delay before the response starts' },
  },
  effect: (p) => ({ kind: 'serve', headerDelayMs: p.delay_ms }),
});
