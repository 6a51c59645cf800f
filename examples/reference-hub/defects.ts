// The switchable bugs of the reference hub. Each `--defect NAME` turns on exactly one realistic
// mistake, so each hub scenario can be shown to fail against a hub that has it (mutation testing
// of the hub scenarios). Exported so the runner and the README can list them.
import { defectSwitches } from '../lib/defects.js';

export const DEFECTS = {
  'no-ttl': 'never marks a silent node offline nor removes it: a node that stopped heartbeating keeps getting jobs',
  'forget-model-failures': 'ranks a node that failed a job by its reported load alone: one that advertises a model it lacks gets every job for it first',
  'no-failover': "the first node's failure is final: the job answers 503 although other nodes have the model",
  'ignore-reported-load': 'ignores the load nodes report: nodes with as many jobs from the hub take turns, however loaded',
  'keep-first-address': 'a heartbeat from a known node_id updates its models and load but not its address',
  'queue-drops-oldest': 'the wait queue is a bounded ring: a job past the bound evicts the oldest waiting one, whose client never gets an answer',
} as const;

export type DefectName = keyof typeof DEFECTS;
export type Defects = ReadonlySet<DefectName>;

const SWITCHES = defectSwitches<DefectName>(DEFECTS);

export const DEFECT_NAMES: DefectName[] = SWITCHES.names;
export const isDefectName = SWITCHES.is;
/** Parses `--defect` values; throws one line that lists the valid names on an unknown one. */
export const parseDefects: (names: readonly string[]) => Defects = SWITCHES.parse;
