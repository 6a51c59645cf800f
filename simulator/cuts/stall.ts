// Silence: nothing more is sent and the socket stays open: no FIN, no RST, as from a frozen
// machine. The peer waits until its own timeout (or until `stallMs`, then a FIN). The server's
// runner slot stays taken while the connection lives.
import { defineCut } from './types.js';

export default defineCut<'stall', { stallMs?: number }>({
  name: 'stall',
  layer: 'socket',
  act: (w, p) => w.hold(p.stallMs),
});
