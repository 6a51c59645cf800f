import { QueueFullError } from '../engine/scheduler.js';
import { defineBehavior } from './types.js';

export default defineBehavior({
  type: 'Busy',
  summary: "Answer 503 with Ollama's exact queue-full text: `server busy, please try again.  maximum pending requests exceeded`.",
  level: 'request',
  params: {},
  effect: () => ({ kind: 'error', status: 503, message: new QueueFullError().message }),
});
