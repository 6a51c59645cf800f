// Changing the fleet from the page: add a server, take one down or bring it up, remove it, reset
// every server, clear the journal. Each is one public control request; the result (or the API's
// error message) is shown in the fleet panel's notice.
import { api } from './api.js';
import { fill, h, setText } from './dom.js';

export class FleetActions {
  /**
   * @param {HTMLElement} root
   * @param {{ onJournalCleared(): void }} handlers
   */
  constructor(root, handlers) {
    this.handlers = handlers;
    this.port = h('input', { name: 'port', id: 'f-add-port', type: 'number', min: 0, placeholder: '0 = any free port', autocomplete: 'off' });
    this.name = h('input', { name: 'name', id: 'f-add-name', type: 'text', placeholder: 'server-PORT', autocomplete: 'off' });
    this.clearCounters = h('input', { type: 'checkbox', name: 'clear_counters', id: 'f-clear-counters' });
    this.notice = h('p', { class: 'notice', role: 'status', 'aria-live': 'polite' });
    const add = h('form', { class: 'form-row add-server', novalidate: true },
      h('label', { class: 'field', for: 'f-add-port' }, h('span', { class: 'field-name' }, 'port'), this.port),
      h('label', { class: 'field', for: 'f-add-name' }, h('span', { class: 'field-name' }, 'name'), this.name),
      h('button', { type: 'submit', class: 'primary', 'data-action': 'add-server' }, 'Add server'));
    add.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.addServer();
    });
    fill(root,
      add,
      h('div', { class: 'form-row' },
        h('button', { type: 'button', 'data-action': 'reset', on: { click: () => this.reset() } }, 'Reset every server'),
        h('label', { class: 'check', for: 'f-clear-counters' }, this.clearCounters, 'and clear counters'),
        h('button', { type: 'button', class: 'danger', 'data-action': 'clear-journal', on: { click: () => this.clearJournal() } }, 'Clear journal')),
      this.notice);
  }

  async addServer() {
    const settings = {};
    if (this.port.value.trim() !== '') settings.port = Number(this.port.value);
    if (this.name.value.trim() !== '') settings.name = this.name.value.trim();
    const res = await api.addServer(settings);
    if (this.report(res, () => `added ${res.data.name} on :${res.data.port}`)) {
      this.port.value = '';
      this.name.value = '';
    }
  }

  async reset() {
    const clear = this.clearCounters.checked;
    this.report(await api.reset(clear), () => `every server is back to its start${clear ? ', counters cleared' : ''}`);
  }

  async clearJournal() {
    if (this.report(await api.clearJournal(), () => 'journal cleared')) this.handlers.onJournalCleared();
  }

  async toggle(server) {
    const res = server.admin_down ? await api.serverUp(server.port) : await api.serverDown(server.port);
    this.report(res, () => `:${server.port} ${server.admin_down ? 'listens again' : 'is down: its port refuses TCP'}`);
  }

  async remove(port) {
    this.report(await api.removeServer(port), () => `removed :${port}`);
  }

  /** Shows the outcome of a call; true when it succeeded. */
  report(res, success) {
    this.notice.dataset.kind = res.ok ? 'ok' : 'error';
    setText(this.notice, res.ok ? success() : res.error);
    return res.ok;
  }
}
