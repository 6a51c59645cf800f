// Every scenario, in run order: the classic ones (01-15), the conformance ones (20-33) and the
// racing ones (40+, for balancers that race a request on several backends).
// One scenario per file; add a new file here too (the runner loads only this list).
import type { Scenario } from '../runner/types.js';
import s01Basic from './01-basic.js';
import s02LoadSpreading from './02-load-spreading.js';
import s03UnreachableBackend from './03-unreachable-backend.js';
import s04MidStreamFailure from './04-mid-stream-failure.js';
import s05Recovery from './05-recovery.js';
import s06AllBusy from './06-all-busy.js';
import s07SecondChance from './07-second-chance.js';
import s08NoBackend from './08-no-backend.js';
import s09GetEndpoints from './09-get-endpoints.js';
import s10StreamingTiming from './10-streaming-timing.js';
import s11KvAffinity from './11-kv-affinity.js';
import s12Embeddings from './12-embeddings.js';
import s13RadioSilence from './13-radio-silence.js';
import s14RstMidStream from './14-rst-mid-stream.js';
import s15GracefulShutdown from './15-graceful-shutdown.js';
import s20ClientCancelPropagates from './20-client-cancel-propagates.js';
import s21OneRequestOneGeneration from './21-one-request-one-generation.js';
import s22FailoverConnectionRefused from './22-failover-connection-refused.js';
import s23FailoverResetBeforeHeaders from './23-failover-reset-before-headers.js';
import s24FailoverHttp500 from './24-failover-http-500.js';
import s25Busy503 from './25-busy-503.js';
import s26RateLimited429 from './26-rate-limited-429.js';
import s27InbandErrorPassthrough from './27-inband-error-passthrough.js';
import s28ModelAwareRouting from './28-model-aware-routing.js';
import s29TagsAggregation from './29-tags-aggregation.js';
import s30HealthBeyondProbes from './30-health-beyond-probes.js';
import s31LargeRequestBody from './31-large-request-body.js';
import s32OpenaiStreaming from './32-openai-streaming.js';
import s33DiscoveryNewBackend from './33-discovery-new-backend.js';
import s40RaceOneStream from './40-race-one-stream.js';
import s41RaceLosersCancelled from './41-race-losers-cancelled.js';
import s42RaceSlowFirstToken from './42-race-slow-first-token.js';
import s43RaceHealthSteering from './43-race-health-steering.js';

export const SCENARIOS: Scenario[] = [
  s01Basic,
  s02LoadSpreading,
  s03UnreachableBackend,
  s04MidStreamFailure,
  s05Recovery,
  s06AllBusy,
  s07SecondChance,
  s08NoBackend,
  s09GetEndpoints,
  s10StreamingTiming,
  s11KvAffinity,
  s12Embeddings,
  s13RadioSilence,
  s14RstMidStream,
  s15GracefulShutdown,
  s20ClientCancelPropagates,
  s21OneRequestOneGeneration,
  s22FailoverConnectionRefused,
  s23FailoverResetBeforeHeaders,
  s24FailoverHttp500,
  s25Busy503,
  s26RateLimited429,
  s27InbandErrorPassthrough,
  s28ModelAwareRouting,
  s29TagsAggregation,
  s30HealthBeyondProbes,
  s31LargeRequestBody,
  s32OpenaiStreaming,
  s33DiscoveryNewBackend,
  s40RaceOneStream,
  s41RaceLosersCancelled,
  s42RaceSlowFirstToken,
  s43RaceHealthSteering,
];
