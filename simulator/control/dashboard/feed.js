// The live feed (GET /events) and the journal records the page holds. Records arrive when they
// are created and again when they end; they are keyed by id, so an update replaces and nothing is
// shown twice. The EventSource resumes from its last event id after a drop, so nothing is missed.

export class RecordStore {
  /** @param {number} limit records kept (the oldest go first) */
  constructor(limit = 4000) {
    this.limit = limit;
    /** @type {Map<number, any>} in id order: new ids are always larger */
    this.byId = new Map();
    this.cursor = 0;
    /** True once the oldest records were let go to stay within the limit. */
    this.dropped = false;
  }

  upsert(records, cursor) {
    for (const r of records) this.byId.set(r.id, r);
    for (const id of this.byId.keys()) {
      if (this.byId.size <= this.limit) break;
      this.byId.delete(id);
      this.dropped = true;
    }
    this.cursor = cursor;
  }

  clear() {
    this.byId.clear();
    this.dropped = false;
  }

  get(id) {
    return this.byId.get(id);
  }

  /** Every record, oldest first. */
  all() {
    return [...this.byId.values()];
  }
}

/**
 * @param {{ onState(s: any): void, onRecords(r: { cursor: number, records: any[] }): void, onStatus(status: 'live' | 'reconnecting'): void }} handlers
 */
export function connectFeed(handlers) {
  const source = new EventSource('/events');
  source.addEventListener('state', (e) => handlers.onState(JSON.parse(e.data)));
  source.addEventListener('records', (e) => handlers.onRecords(JSON.parse(e.data)));
  source.addEventListener('open', () => handlers.onStatus('live'));
  source.addEventListener('error', () => handlers.onStatus('reconnecting'));
  return source;
}
