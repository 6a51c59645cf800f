// The newest requests as a table, and the details of one request (clicked on the timeline or in
// the table): every journal field that tells what happened, and the start of the request body.
import { fill, h } from './dom.js';
import { clock, fmtInt, fmtMs, outcomeOf } from './format.js';

const ROWS = 50;

const version = (r) => `${r.id}|${r.outcome}|${r.endedAt}`;

export class Requests {
  /**
   * @param {HTMLElement} table the <tbody>
   * @param {HTMLElement} details
   * @param {{ onSelect(id: number): void }} handlers
   */
  constructor(table, details, handlers) {
    this.table = table;
    this.details = details;
    this.selected = null;
    this.names = new Map();
    table.addEventListener('click', (e) => {
      const row = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest('tr[data-id]'));
      if (row) handlers.onSelect(Number(row.dataset.id));
    });
    this.showDetails(null);
  }

  setServers(servers) {
    this.names = new Map(servers.map((s) => [s.port, s.name]));
  }

  /** @param {any[]} records oldest first */
  render(records) {
    const newest = records.slice(-ROWS).reverse();
    fill(this.table, newest.map((r) => this.row(r)));
    if (newest.length === 0) fill(this.table, h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No requests yet.')));
  }

  row(r) {
    const o = outcomeOf(r);
    return h('tr', { data: { id: r.id, outcome: o.key }, class: r.id === this.selected ? 'selected' : null },
      h('td', { class: 'num muted' }, clock(r.arrivedAt)),
      h('td', { class: 'num' }, `#${r.id}`),
      h('td', {}, this.names.get(r.server) ?? `:${r.server}`),
      h('td', { class: 'mono' }, `${r.method} ${r.path}`),
      h('td', { class: 'mono' }, r.model ?? ''),
      h('td', {}, r.behavior),
      h('td', {}, h('span', { class: `chip o-${o.key}` }, o.label)),
      h('td', { class: 'num' }, r.endedAt === null ? '…' : fmtMs(r.endedAt - r.arrivedAt)),
    );
  }

  /** @param {any | null} r */
  showDetails(r) {
    this.selected = r ? r.id : null;
    this.details.dataset.version = r ? version(r) : '';
    for (const tr of this.table.querySelectorAll('tr.selected')) tr.classList.remove('selected');
    if (r) this.table.querySelector(`tr[data-id="${r.id}"]`)?.classList.add('selected');
    if (!r) {
      fill(this.details, h('p', { class: 'muted' }, 'Click a bar on the timeline or a row below to see that request.'));
      return;
    }
    const o = outcomeOf(r);
    const since = (t) => (t === null ? '–' : `+${fmtMs(t - r.arrivedAt)}`);
    const field = (label, value) => [h('dt', {}, label), h('dd', {}, value)];
    fill(this.details,
      h('div', { class: 'details-head' },
        h('span', { class: `chip o-${o.key}` }, o.label),
        h('span', { class: 'mono' }, `#${r.id} ${r.method} ${r.path}${r.query ? `?${r.query}` : ''}`)),
      h('dl', { class: 'kv' },
        field('server', `${this.names.get(r.server) ?? 'removed'} :${r.server} (request ${r.seq} there)`),
        field('model', r.model ?? '–'),
        field('behavior', r.behavior),
        field('status', r.status ?? '–'),
        field('arrived', clock(r.arrivedAt)),
        field('started', since(r.startedAt)),
        field('first byte', since(r.firstByteAt)),
        field('ended', since(r.endedAt)),
        field('written', `${fmtInt(r.bytesWritten)} bytes, ${fmtInt(r.linesWritten)} lines, ${fmtInt(r.tokensWritten)} tokens`),
        r.abortedAfterTokens !== null ? field('aborted after', `${r.abortedAfterTokens} tokens`) : null,
        field('body', `${fmtInt(r.bodyBytes)} bytes`)),
      h('pre', { class: 'body', 'aria-label': 'request body' }, r.body || '(empty)'),
    );
  }

  /** Refreshes the open details when that record was updated (it ended). */
  refresh(get) {
    if (this.selected === null) return;
    const r = get(this.selected);
    if (r && this.details.dataset.version !== version(r)) this.showDetails(r);
  }
}
