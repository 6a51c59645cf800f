import { defineBehavior } from './types.js';

export default defineBehavior({
  type: 'Blackhole',
  summary: 'Accept TCP connections and never read from or write to them (the kernel still completes the handshake).',
  level: 'connection',
  params: {},
  // Paused and never handed to the HTTP parser; the server keeps it so stop() can destroy it.
  onConnection: (socket) => socket.pause(),
});
