// A 429 with Retry-After: retried elsewhere, or passed through with its Retry-After header intact.
import { overloadScenario } from './lib/overload.js';

export default overloadScenario({
  name: 'rate-limited-429',
  description: 'backends answer 429 with Retry-After: retried elsewhere (retriesBeforeFirstByte) or passed through unchanged with the header',
  fault: { type: 'RateLimited', retry_after_s: 7, message: 'slow down' },
  status: 429,
  message: 'slow down',
  retryAfter: '7',
});
