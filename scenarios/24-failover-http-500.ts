// Two backends answer 500: the balancer must retry on the third before the first byte reaches the
// client, not pass the 500 through.
import { failoverScenario } from './lib/failover.js';

export default failoverScenario({
  name: 'failover-http-500',
  description: 'two of three backends answer 500; the request is retried on the third (journal: the 500 attempt, then the completed one)',
  fault: { type: 'HttpError', status_code: 500, message: 'injected internal error' },
  failedRecord: (r) => r.status === 500 && r.fault === 'http_error',
});
