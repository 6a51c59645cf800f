// The fleet-wide counters: journal record ids (one cursor for GET /journal?since=) and server
// ordinals (the key of seeded draws). In one thread they are plain numbers; with --workers every
// thread's fleet counts in one SharedArrayBuffer, so ids stay unique and increasing across threads.
export interface FleetIds {
  nextRecordId(): number;
  /** The newest record id handed out so far. */
  readonly lastRecordId: number;
  nextOrdinal(): number;
}

export function localIds(): FleetIds {
  let record = 0;
  let ordinal = 0;
  return {
    nextRecordId: () => ++record,
    get lastRecordId() {
      return record;
    },
    nextOrdinal: () => ordinal++,
  };
}

const RECORD = 0;
const ORDINAL = 1;

/** The buffer behind sharedIds(): create it once (the parent) and hand it to every worker. */
export function sharedIdBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
}

/** Counters every thread holding `buffer` shares (Atomics: no id is handed out twice). */
export function sharedIds(buffer: SharedArrayBuffer): FleetIds {
  // Int32: 2^31 ids, far past any run (a journal keeps 10,000 records per server).
  const cells = new Int32Array(buffer);
  return {
    nextRecordId: () => Atomics.add(cells, RECORD, 1) + 1,
    get lastRecordId() {
      return Atomics.load(cells, RECORD);
    },
    nextOrdinal: () => Atomics.add(cells, ORDINAL, 1),
  };
}
