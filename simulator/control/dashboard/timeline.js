// The timeline: one row per server, one bar per journal record from the moment the request arrived
// to the moment its response ended (or now, while it runs), coloured by outcome. A failover reads
// as a red bar on one row followed at once by a green bar on another; requests that overlap on one
// server stack in lanes, so a queue building up shows as a growing stack.
import { fill, h, setText } from './dom.js';
import { outcomeOf, recordSummary } from './format.js';

const LANE_PX = 14;
const MAX_LANES = 6;
const MIN_BAR_PX = 3;
const AXIS_STEPS = 6;

const seconds = (ms) => (ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`);

/** Short text inside a bar (shown when the bar is wide enough): the fault kind, the status, "abort". */
function barText(r, key) {
  if (key === 'fault') return r.fault ?? 'fault';
  if (key === 'error') return String(r.status);
  if (key === 'aborted') return 'abort';
  return '';
}

export class Timeline {
  /**
   * @param {HTMLElement} root
   * @param {{ onSelect(id: number): void }} handlers
   */
  constructor(root, handlers) {
    this.windowMs = 30_000;
    /** @type {Map<number, { el: HTMLElement, name: HTMLElement, port: HTMLElement, track: HTMLElement }>} */
    this.rows = new Map();
    /** @type {Map<number, HTMLElement>} */
    this.bars = new Map();
    this.servers = [];
    this.selected = null;
    this.rowsEl = h('div', { class: 'tl-rows' });
    this.axis = h('div', { class: 'tl-axis', 'aria-hidden': 'true' });
    this.empty = h('p', { class: 'tl-empty' }, 'No requests in this window. Send one to a server (curl, your load balancer, a test) and it appears here.');
    fill(root, this.rowsEl, h('div', { class: 'tl-axis-row' }, h('div', { class: 'tl-label' }), this.axis), this.empty);
    this.buildAxis();
    this.rowsEl.addEventListener('click', (e) => {
      const bar = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest('.bar'));
      if (bar) handlers.onSelect(Number(bar.dataset.id));
    });
  }

  setWindow(ms) {
    this.windowMs = ms;
    this.buildAxis();
  }

  buildAxis() {
    const ticks = [];
    for (let i = 0; i <= AXIS_STEPS; i++) {
      const tick = h('span', { class: 'tick' }, i === AXIS_STEPS ? 'now' : `−${seconds((this.windowMs * (AXIS_STEPS - i)) / AXIS_STEPS)}`);
      tick.style.left = `${(100 * i) / AXIS_STEPS}%`;
      ticks.push(tick);
    }
    fill(this.axis, ticks);
  }

  setServers(servers) {
    this.servers = servers;
  }

  select(id) {
    this.bars.get(this.selected)?.classList.remove('selected');
    this.selected = id;
    this.bars.get(id)?.classList.add('selected');
  }

  row(port) {
    let row = this.rows.get(port);
    if (!row) {
      const name = h('span', { class: 'tl-name' });
      const portEl = h('span', { class: 'tl-port' }, `:${port}`);
      const track = h('div', { class: 'tl-track' });
      row = { el: h('div', { class: 'tl-row', data: { port } }, h('div', { class: 'tl-label' }, name, portEl), track), name, port: portEl, track };
      this.rows.set(port, row);
    }
    return row;
  }

  /** Places every record that overlaps [now - window, now]; drops the rest. */
  layout(records, now) {
    const from = now - this.windowMs;
    const current = new Map(this.servers.map((s) => [s.port, s]));
    const byPort = new Map([...current.keys()].map((p) => [p, []]));
    for (const r of records) {
      if ((r.endedAt ?? now) < from) continue;
      if (!byPort.has(r.server)) byPort.set(r.server, []);
      byPort.get(r.server).push(r);
    }
    // Servers of the fleet in port order, then removed ones that still have bars in the window.
    const ports = [...byPort.keys()].sort((a, b) => Number(current.has(b)) - Number(current.has(a)) || a - b);
    const shown = new Set();
    let next = this.rowsEl.firstElementChild;
    for (const port of ports) {
      const row = this.row(port);
      if (row.el === next) next = next.nextElementSibling;
      else this.rowsEl.insertBefore(row.el, next);
      const server = current.get(port);
      setText(row.name, server ? server.name : 'removed');
      row.el.dataset.removed = String(!server);
      this.placeBars(row, byPort.get(port), from, now, shown);
    }
    for (const [port, row] of this.rows) {
      if (byPort.has(port)) continue;
      row.el.remove();
      this.rows.delete(port);
    }
    for (const [id, bar] of this.bars) {
      if (shown.has(id)) continue;
      bar.remove();
      this.bars.delete(id);
    }
    this.empty.hidden = shown.size > 0;
  }

  placeBars(row, records, from, now, shown) {
    const width = row.track.clientWidth || 1;
    const msPerPx = this.windowMs / width;
    /** end time of the last bar in each lane */
    const laneEnds = [];
    for (const r of records) {
      const start = Math.max(r.arrivedAt, from);
      const end = r.endedAt ?? now;
      let lane = laneEnds.findIndex((e) => e <= start);
      if (lane === -1) lane = laneEnds.length < MAX_LANES ? laneEnds.length : laneEnds.indexOf(Math.min(...laneEnds));
      laneEnds[lane] = Math.max(end, start + MIN_BAR_PX * msPerPx) + msPerPx;
      const bar = this.bar(r, row);
      // The label inside shows only where it fits (~6 px a character); the tooltip always has it.
      bar.classList.toggle('narrow', (end - start) / msPerPx < (bar.textContent ?? '').length * 6 + 6);
      bar.style.left = `${((start - from) / this.windowMs) * 100}%`;
      bar.style.width = `${((end - start) / this.windowMs) * 100}%`;
      bar.style.top = `${lane * LANE_PX}px`;
      shown.add(r.id);
    }
    row.track.style.height = `${Math.max(1, laneEnds.length) * LANE_PX}px`;
  }

  /** The bar of a record, created or updated (outcome, label and tooltip change when it ends). */
  bar(r, row) {
    let bar = this.bars.get(r.id);
    if (!bar) {
      bar = h('div', { class: r.id === this.selected ? 'bar selected' : 'bar', data: { id: r.id } });
      this.bars.set(r.id, bar);
      row.track.append(bar);
    }
    const version = `${r.outcome}|${r.status}|${r.endedAt}`;
    if (bar.dataset.version !== version) {
      const o = outcomeOf(r);
      bar.dataset.version = version;
      bar.dataset.outcome = o.key;
      bar.dataset.label = o.label;
      bar.classList.remove(...[...bar.classList].filter((c) => c.startsWith('o-')));
      bar.classList.add(`o-${o.key}`);
      bar.title = recordSummary(r);
      bar.setAttribute('aria-label', bar.title);
      setText(bar, barText(r, o.key));
    }
    return bar;
  }
}
