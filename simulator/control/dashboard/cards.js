// One card per server: where it listens, what it does now (behavior and sequence step), its
// models, slots and queue, and its request and error rates. Cards are built once per port and
// updated in place on every state event.
import { behaviorLine, behaviorNext, fmtInt, fmtRate } from './format.js';
import { fill, h, link, setText } from './dom.js';

/** listening, refusing (a behavior closed the listener) or down (POST /servers/{port}/down). */
export function listenerState(s) {
  if (s.listening) return { key: 'up', label: 'listening' };
  return s.admin_down ? { key: 'down', label: 'down' } : { key: 'refusing', label: 'refusing TCP' };
}

function stat(label, extra) {
  const value = h('dd');
  return { el: h('div', { class: 'stat' }, h('dt', {}, label), value, extra), value };
}

export class Cards {
  /**
   * @param {HTMLElement} root
   * @param {{ onTarget(port: number): void, onToggle(server: any): void, onRemove(port: number): void }} actions
   */
  constructor(root, actions) {
    this.root = root;
    this.actions = actions;
    /** @type {Map<number, ReturnType<Cards['build']>>} */
    this.cards = new Map();
  }

  build(s) {
    const refs = {
      name: h('span', { class: 'name' }),
      badge: h('span', { class: 'badge' }),
      behavior: h('div', { class: 'behavior' }),
      type: h('span', { class: 'b-type' }),
      params: h('span', { class: 'b-params' }),
      next: h('div', { class: 'b-next' }),
      rps: stat('req/s'),
      eps: stat('err/s'),
      inflight: stat('in flight'),
      slotsFill: h('div', { class: 'fill' }),
      queue: stat('queue'),
      total: stat('requests'),
      models: h('ul', { class: 'models', 'aria-label': 'models' }),
      toggle: h('button', { type: 'button', class: 'ghost' }),
      server: s,
    };
    refs.slots = stat('slots', h('div', { class: 'slotbar', 'aria-hidden': 'true' }, refs.slotsFill));
    fill(refs.behavior, h('div', { class: 'b-line' }, refs.type, ' ', refs.params), refs.next);
    refs.toggle.addEventListener('click', () => this.actions.onToggle(refs.server));
    refs.el = h('article', { class: 'card', data: { port: s.port }, 'aria-label': `server ${s.port}` },
      h('header', { class: 'card-head' }, h('div', { class: 'card-title' }, refs.name, link(s.url, `:${s.port}`)), refs.badge),
      refs.behavior,
      h('dl', { class: 'stats' }, refs.rps.el, refs.eps.el, refs.inflight.el, refs.slots.el, refs.queue.el, refs.total.el),
      refs.models,
      h('footer', { class: 'card-actions' },
        h('button', { type: 'button', class: 'ghost', 'data-action': 'target', on: { click: () => this.actions.onTarget(s.port) } }, 'Set behavior…'),
        refs.toggle,
        h('button', { type: 'button', class: 'ghost danger', 'data-action': 'remove', on: { click: () => this.actions.onRemove(s.port) } }, 'Remove')),
    );
    return refs;
  }

  /** @param {any[]} servers as in the state event, in port order */
  update(servers) {
    const seen = new Set();
    let next = this.root.firstElementChild;
    for (const s of servers) {
      seen.add(s.port);
      let card = this.cards.get(s.port);
      if (!card) {
        card = this.build(s);
        this.cards.set(s.port, card);
      }
      // Port order; a card already in place is not moved (moving would reflow and drop focus).
      if (card.el === next) next = next.nextElementSibling;
      else this.root.insertBefore(card.el, next);
      this.fillCard(card, s);
    }
    for (const [port, card] of this.cards) {
      if (seen.has(port)) continue;
      card.el.remove();
      this.cards.delete(port);
    }
  }

  fillCard(c, s) {
    c.server = s;
    setText(c.name, s.name);
    const state = listenerState(s);
    c.badge.dataset.state = state.key;
    setText(c.badge, state.label);
    c.behavior.dataset.type = s.behavior.type;
    setText(c.type, s.behavior.type);
    setText(c.params, behaviorLine(s.behavior).slice(s.behavior.type.length + 1));
    setText(c.next, behaviorNext(s.behavior));
    setText(c.rps.value, fmtRate(s.requests_per_sec));
    setText(c.eps.value, fmtRate(s.errors_per_sec));
    c.eps.el.dataset.hot = String(s.errors_per_sec > 0);
    setText(c.inflight.value, fmtInt(s.in_flight));
    setText(c.slots.value, `${s.busy_slots}/${s.num_parallel}`);
    c.slotsFill.style.width = `${Math.min(100, (100 * s.busy_slots) / Math.max(1, s.num_parallel))}%`;
    setText(c.queue.value, fmtInt(s.queue_length));
    c.queue.el.dataset.hot = String(s.queue_length > 0);
    setText(c.total.value, fmtInt(s.request_count));
    setText(c.toggle, s.admin_down ? 'Bring up' : 'Take down');
    c.toggle.dataset.action = s.admin_down ? 'up' : 'down';
    this.fillModels(c, s);
  }

  fillModels(c, s) {
    const loaded = new Map(s.loaded_models.map((m) => [m.name, m]));
    const key = JSON.stringify([s.installed_models, s.loaded_models.map((m) => [m.name, m.active_requests])]);
    if (c.models.dataset.key === key) return;
    c.models.dataset.key = key;
    const chips = s.installed_models.map((name) => {
      const m = loaded.get(name);
      const title = m ? `${name}: loaded, ${m.active_requests} active request(s)` : `${name}: installed, not loaded`;
      return h('li', { class: m ? 'model loaded' : 'model', title }, name);
    });
    fill(c.models, chips.length ? chips : h('li', { class: 'model none' }, 'no models installed'));
  }
}
