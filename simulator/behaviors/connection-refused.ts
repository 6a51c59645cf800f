import { defineBehavior } from './types.js';

export default defineBehavior({
  type: 'ConnectionRefused',
  summary: 'Close the listening socket: new connections get ECONNREFUSED until the behavior changes. Idle keep-alive connections are closed; in-flight responses finish.',
  level: 'listener',
  params: {},
});
