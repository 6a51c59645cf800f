// An error inside a 200 response, the way Ollama reports a generation failure after it started:
// the endpoint's error record (native: a {"error":"..."} line; OpenAI and Anthropic: what their
// wrappers make of it) and a clean end of the body, without the final (done) chunk. A non-streamed
// response is a 500 with the message in the endpoint's error envelope instead.
import { defineCut } from './types.js';

export const DEFAULT_MESSAGE = 'an error was encountered while running the model';

export default defineCut<'inband_error', { message?: string }>({
  name: 'inband_error',
  layer: 'body',
  stream: (w, p, fmt) => {
    w.end(fmt.inbandError(p.message ?? DEFAULT_MESSAGE).join(''), 1);
    return 'stop';
  },
  whole: (w, p) => w.sendError(500, p.message ?? DEFAULT_MESSAGE),
});
