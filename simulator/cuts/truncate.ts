// A clean but early end of the body: the terminating chunk comes, the final (done) chunk never
// does. The peer sees a well-formed HTTP response whose content is incomplete. A non-streamed
// response sends the first half of its JSON body, chunked, and ends it cleanly.
import { defineCut } from './types.js';

export default defineCut({
  name: 'truncate',
  layer: 'body',
  stream: (w) => {
    w.end();
    return 'stop';
  },
  whole: (w, _p, build) => {
    const { headers, body } = build();
    w.head(200, headers);
    w.write(body.slice(0, Math.floor(body.length / 2)));
    w.end();
  },
});
