// RST: a real TCP reset (SO_LINGER 0). The peer's next read or write fails with ECONNRESET. Bytes
// sent before it are let through first (the RST follows them by 50 ms), so the peer reads them and
// then the reset, instead of a reset that may swallow them.
import { defineCut } from './types.js';

export default defineCut({
  name: 'reset',
  layer: 'socket',
  act: (w) => w.reset(),
});
