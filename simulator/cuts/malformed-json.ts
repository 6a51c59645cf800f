// One record that is not valid JSON (a line cut short, in the stream's framing), then the stream
// goes on to its normal end. The peer's JSON parser fails on that record; the HTTP framing is
// intact. A non-streamed response gets a body whose JSON is broken at the end.
import { defineCut } from './types.js';

export default defineCut({
  name: 'malformed_json',
  layer: 'body',
  stream: (w, _p, fmt) => {
    w.write(fmt.malformed(), 1);
    return 'continue';
  },
  whole: (w, _p, build) => {
    const { headers, body } = build();
    w.send(200, headers, body.slice(0, -1) + ',"');
  },
});
