import { defineBehavior } from './types.js';

export default defineBehavior({
  type: 'Hang',
  summary: 'Read the request, then never answer: no status line, no bytes, the socket stays open.',
  level: 'request',
  params: {},
  effect: () => ({ kind: 'hang' }),
});
