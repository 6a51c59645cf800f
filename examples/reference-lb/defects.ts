// The switchable bugs of the reference load balancer. Each `--defect NAME` turns on exactly one
// realistic mistake, so a scenario can be shown to fail against a balancer that has it (mutation
// testing of the scenario pack). Exported so the runner and the README can list them.
import { defectSwitches } from '../lib/defects.js';

export const DEFECTS = {
  'buffer-streams': 'reads the whole upstream response, then sends it with Content-Length',
  'ignore-client-abort': 'does not abort the upstream request when the client goes away',
  'no-retry': "never retries; the first backend's outcome (an error gives 502) is final",
  'fake-done': 'on a mid-stream failure of an NDJSON stream, writes a fabricated done:true line and ends cleanly',
  'no-timeout': 'ignores --timeout-ms (waits forever for a silent backend)',
  'ignore-models': 'routes without looking at the requested model',
  'duplicate-requests': 'sends each POST to two backends at once, forwards the first answer, never cancels the other',
  'sticky-first': 'always chooses the first healthy backend in list order (no spreading)',
  'no-health': 'never marks a backend unhealthy',
  'never-recover': 'an unhealthy backend stays unhealthy forever (no cooldown end, no probe recovery)',
  'probe-only-health': 'health comes only from an active GET / probe of every backend; traffic failures are ignored',
  'hang-when-none': 'when no backend can take the request, keeps the client waiting (retries every second forever)',
  'reject-when-busy': 'answers 503 "all backends busy" when every eligible backend already has a request in flight',
  'no-affinity': 'plain round-robin, ignoring conversation affinity and busy counts',
  'swallow-inband-error': 'drops NDJSON lines with an "error" key and ends the stream with a fabricated done line',
  'body-limit-1mb': 'truncates request bodies to 1 MiB when forwarding',
  'tags-first-only': "answers /api/tags and /v1/models with only the first backend's models",
  'no-discovery': 'ignores changes to --backends-file after start',
  'rewrite-body': 'parses every JSON line of a response and re-serialises it with only the fields it knows',
  'chat-only': 'answers 404 to everything except POST /api/chat, /api/generate and /v1/chat/completions',
  // Racing (--race N) only:
  'race-interleave': "writes every racer's body into the client stream as it arrives, the winner's and the losers' lines mixed",
  'race-no-cancel': "never cancels a race's losers: they generate to their end, unread",
  'race-first-head': 'the first racer whose 2xx response head arrives wins, before any token came from it',
  'race-ignore-health': 'chooses the racers without looking at health (failing backends race every time)',
  'race-sticky-tie': 'a tie goes to the backend listed first: its racer wins when its first token comes within 500 ms of the fastest (equally fast backends never share the load)',
} as const;

export type DefectName = keyof typeof DEFECTS;
export type Defects = ReadonlySet<DefectName>;

const SWITCHES = defectSwitches<DefectName>(DEFECTS);

export const DEFECT_NAMES: DefectName[] = SWITCHES.names;
export const isDefectName = SWITCHES.is;
/** Parses `--defect` values; throws one line that lists the valid names on an unknown one. */
export const parseDefects: (names: readonly string[]) => Defects = SWITCHES.parse;
