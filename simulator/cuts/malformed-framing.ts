// Bytes that break HTTP chunked framing (a chunk size that is not hex), then FIN. Any HTTP client
// fails to parse the response at that point; the bytes before it were well-formed. A non-streamed
// response sends its status line and headers first, then the same bytes.
import { defineCut, type CutWire } from './types.js';

const NOT_A_CHUNK = 'zz\r\n{"broken":\r\n';

function breakFraming(w: CutWire): void {
  w.raw(NOT_A_CHUNK);
  w.fin();
}

export default defineCut({
  name: 'malformed_framing',
  layer: 'body',
  stream: (w) => {
    breakFraming(w);
    return 'stop';
  },
  whole: (w, _p, build) => {
    w.head(200, build().headers);
    w.flushHeaders();
    breakFraming(w);
  },
});
