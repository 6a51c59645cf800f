// FIN: the connection closes cleanly at the TCP level in the middle of the HTTP exchange. The peer
// reads every byte sent so far, then EOF: no terminating chunk, no done line. An HTTP client reports
// a premature close ("other side closed", "unexpected EOF"); with nothing sent yet, an empty reply.
import { defineCut } from './types.js';

export default defineCut({
  name: 'fin',
  layer: 'socket',
  act: (w) => w.fin(),
});
