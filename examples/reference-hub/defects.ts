// The switchable bugs of the reference hub. Each `--defect NAME` turns on exactly one realistic
// mistake, so each hub scenario can be shown to fail against a hub that has it (mutation testing
// of the hub scenarios). Exported so the runner and the README can list them.

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

export const DEFECT_NAMES = Object.keys(DEFECTS) as DefectName[];

export function isDefectName(name: string): name is DefectName {
  return Object.hasOwn(DEFECTS, name);
}

/** Parses `--defect` values; throws one line that lists the valid names on an unknown one. */
export function parseDefects(names: readonly string[]): Defects {
  const unknown = names.filter((n) => !isDefectName(n));
  if (unknown.length > 0) {
    throw new Error(`unknown defect '${unknown.join("', '")}'; valid: ${DEFECT_NAMES.join(', ')}`);
  }
  return new Set(names as DefectName[]);
}
