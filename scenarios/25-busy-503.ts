// Ollama's queue-full answer (503 "server busy") is the normal signal to try another machine.
import { overloadScenario } from './lib/overload.js';

export default overloadScenario({
  name: 'busy-503',
  description: 'backends answer 503 "server busy": retried elsewhere (retriesBeforeFirstByte) or passed through unchanged',
  fault: { type: 'Busy' },
  status: 503,
  message: 'server busy',
});
