// The timeline: one row per server, one bar per journal record from the moment the request arrived
// to the moment its response ended (or now, while it runs), coloured by outcome. A failover reads
// as a red bar on one row followed at once by a green bar on another; requests that overlap on one
// server stack in lanes, so a queue building up shows as a growing stack.
//
// Cost: bars sit on a strip at fixed positions (their times); time passing moves the strip (one
// transform per row per frame), so a frame touches only the bars still running. Bars are laid out
// again only when records arrive (4 times a second at most).
import { fill, h, setText } from './dom.js';
import { outcomeOf, recordSummary } from './format.js';

const LANE_PX = 14;
const MAX_LANES = 6;
const MIN_BAR_PX = 3;
const AXIS_STEPS = 6;
/** More bars than this on a row of ~1,200 px say nothing more; the newest are drawn. */
const MAX_BARS_PER_ROW = 400;
/** Strip positions are relative to an origin; it moves on when it is this many windows old. */
const REBASE_WINDOWS = 50;

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
    /** Server time at the strip's 0 %. */
    this.origin = null;
    /** @type {Map<number, { el: HTMLElement, name: HTMLElement, track: HTMLElement, strip: HTMLElement }>} */
    this.rows = new Map();
    /** @type {Map<number, HTMLElement>} */
    this.bars = new Map();
    /** Bars of requests still running: their end is "now". @type {Map<number, { bar: HTMLElement, start: number }>} */
    this.running = new Map();
    this.servers = [];
    this.records = [];
    this.incomplete = false;
    this.selected = null;
    this.rowsEl = h('div', { class: 'tl-rows' });
    this.axis = h('div', { class: 'tl-axis', 'aria-hidden': 'true' });
    this.empty = h('p', { class: 'tl-empty' }, 'No requests in this window. Send one to a server (curl, your load balancer, a test) and it appears here.');
    this.note = h('p', { class: 'tl-empty' });
    fill(root, this.rowsEl, h('div', { class: 'tl-axis-row' }, h('div', { class: 'tl-label' }), this.axis), this.empty, this.note);
    this.buildAxis();
    this.rowsEl.addEventListener('click', (e) => {
      const bar = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest('.bar'));
      if (bar) handlers.onSelect(Number(bar.dataset.id));
    });
  }

  setWindow(ms, now) {
    this.windowMs = ms;
    this.origin = null;
    this.buildAxis();
    this.update(this.records, now, this.incomplete);
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

  /** Where a server time lies on the strip, in % of the track's width. */
  pct(t) {
    return ((t - this.origin) / this.windowMs) * 100;
  }

  row(port) {
    let row = this.rows.get(port);
    if (!row) {
      const name = h('span', { class: 'tl-name' });
      const strip = h('div', { class: 'tl-strip' });
      const track = h('div', { class: 'tl-track' }, strip);
      row = { el: h('div', { class: 'tl-row', data: { port } }, h('div', { class: 'tl-label' }, name, h('span', { class: 'tl-port' }, `:${port}`)), track), name, track, strip };
      this.rows.set(port, row);
    }
    return row;
  }

  /**
   * Lays out every record that overlaps the window and drops the rest.
   * @param {any[]} records oldest first
   * @param {number} now server time
   * @param {boolean} incomplete the page no longer holds every record (it keeps the newest few thousand)
   */
  update(records, now, incomplete) {
    this.records = records;
    this.incomplete = incomplete;
    if (this.origin === null || now - this.origin > REBASE_WINDOWS * this.windowMs) {
      this.origin = now - this.windowMs;
      for (const bar of this.bars.values()) delete bar.dataset.pos;
    }
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
    const msPerPx = this.windowMs / (this.rowsEl.querySelector('.tl-track')?.clientWidth || 1000);
    const shown = new Set();
    let capped = false;
    this.running.clear();
    let next = this.rowsEl.firstElementChild;
    for (const port of ports) {
      const row = this.row(port);
      if (row.el === next) next = next.nextElementSibling;
      else this.rowsEl.insertBefore(row.el, next);
      const server = current.get(port);
      setText(row.name, server ? server.name : 'removed');
      row.el.dataset.removed = String(!server);
      const recs = byPort.get(port);
      capped ||= recs.length > MAX_BARS_PER_ROW;
      this.placeBars(row, recs.slice(-MAX_BARS_PER_ROW), now, msPerPx, shown);
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
    const missing = capped || (incomplete && records.length > 0 && records[0].arrivedAt > from);
    this.note.hidden = !missing;
    setText(this.note, missing ? 'So many requests in this window that only the newest are drawn: shorten the window to see them all.' : '');
    this.tick(now);
  }

  placeBars(row, records, now, msPerPx, shown) {
    /** end time of the last bar in each lane */
    const laneEnds = [];
    for (const r of records) {
      const start = r.arrivedAt;
      const end = r.endedAt ?? now;
      let lane = laneEnds.findIndex((e) => e <= start);
      if (lane === -1) lane = laneEnds.length < MAX_LANES ? laneEnds.length : laneEnds.indexOf(Math.min(...laneEnds));
      laneEnds[lane] = Math.max(end, start + MIN_BAR_PX * msPerPx) + msPerPx;
      const bar = this.bar(r, row);
      const pos = `${start}|${lane}|${r.endedAt}|${this.windowMs}`;
      if (bar.dataset.pos !== pos) {
        bar.dataset.pos = pos;
        bar.style.left = `${this.pct(start)}%`;
        bar.style.top = `${lane * LANE_PX}px`;
        if (r.endedAt !== null) bar.style.width = `${this.pct(end) - this.pct(start)}%`;
        // The label inside shows only where it fits (~6 px a character); the tooltip always has it.
        bar.classList.toggle('narrow', (end - start) / msPerPx < (bar.textContent ?? '').length * 6 + 6);
      }
      if (r.endedAt === null) this.running.set(r.id, { bar, start });
      shown.add(r.id);
    }
    row.track.style.height = `${Math.max(1, laneEnds.length) * LANE_PX}px`;
  }

  /** Moves time on: shifts every row's strip so that its right edge is now, and stretches running bars to now. */
  tick(now) {
    if (this.origin === null) return;
    const shift = `translateX(${-this.pct(now - this.windowMs)}%)`;
    for (const row of this.rows.values()) row.strip.style.transform = shift;
    for (const { bar, start } of this.running.values()) bar.style.width = `${this.pct(now) - this.pct(start)}%`;
  }

  /** The bar of a record, created or updated (outcome, label and tooltip change when it ends). */
  bar(r, row) {
    let bar = this.bars.get(r.id);
    if (!bar) {
      bar = h('div', { class: r.id === this.selected ? 'bar selected' : 'bar', data: { id: r.id } });
      this.bars.set(r.id, bar);
      row.strip.append(bar);
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
