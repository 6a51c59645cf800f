// Two backends refuse TCP connections (their listeners are closed): every request must still be
// served by the third. The refused attempts never reach HTTP, so the journal shows only the good one.
import { failoverScenario } from './lib/failover.js';

export default failoverScenario({
  name: 'failover-connection-refused',
  description: 'two of three backends refuse connections; every request is retried and served by the third (journal: one completed attempt, on it)',
  fault: { type: 'ConnectionRefused' },
  failedRecord: null,
  requests: 4,
});
