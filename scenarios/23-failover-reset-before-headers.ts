// Two backends read the request and answer with a TCP RST before any response byte: the balancer
// must retry on the third before the client sees anything.
import { failoverScenario } from './lib/failover.js';

export default failoverScenario({
  name: 'failover-reset-before-headers',
  description: 'two of three backends RST the connection before the response head; the request is retried on the third (journal: the reset attempt, then the completed one)',
  fault: { type: 'Reset', on: 'request' },
  failedRecord: (r) => r.fault === 'reset',
});
