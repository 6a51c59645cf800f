// The behavior form, built from GET /behaviors: the same declarations that validate POST /behavior
// and print the README table. One field per parameter (its kind, default, bounds, allowed values
// and doc), the targeting fields, and a preview of the request it sends. Validation is the
// server's: the form sends what was typed and shows the 400's message, naming the field.
import { api } from './api.js';
import { fill, h, setText } from './dom.js';

/** A form control for one declared field (schema.ts FieldSpec). Empty means "not set": the default applies. */
function control(name, spec) {
  const common = { name, id: `f-${name}`, 'data-kind': spec.kind };
  if (spec.kind === 'enum' || spec.kind === 'bool') {
    const values = spec.kind === 'enum' ? spec.values : ['true', 'false'];
    const unset = spec.default === undefined ? '(not set)' : `default (${spec.default})`;
    return h('select', common, h('option', { value: '' }, unset), values.map((v) => h('option', { value: v }, v)));
  }
  if (spec.kind === 'any') return h('textarea', { ...common, rows: 3, spellcheck: 'false', placeholder: JSON.stringify(spec.default ?? null) });
  const numeric = spec.kind === 'int' || spec.kind === 'number';
  const placeholder = spec.default === undefined ? 'default' : spec.kind === 'string[]' ? spec.default.join(', ') : String(spec.default);
  return h('input', {
    ...common,
    type: numeric ? 'number' : 'text',
    step: numeric ? (spec.kind === 'int' ? '1' : 'any') : null,
    min: spec.min,
    max: spec.max,
    placeholder,
    autocomplete: 'off',
  });
}

function field(name, spec, hint) {
  return h('label', { class: 'field', for: `f-${name}` },
    h('span', { class: 'field-name' }, name),
    control(name, spec),
    h('span', { class: 'hint' }, hint));
}

function hintFor(spec) {
  const bounds = [spec.min !== undefined ? `≥ ${spec.min}` : null, spec.max !== undefined ? `≤ ${spec.max}` : null].filter(Boolean).join(', ');
  const def = spec.default === undefined ? '' : ` Default ${JSON.stringify(spec.default)}.`;
  return `${spec.doc}${bounds ? ` (${bounds})` : ''}.${def}`;
}

/** The typed value of a control, or undefined when empty. Throws a message for JSON that does not parse. */
function valueOf(el) {
  const raw = el.value.trim();
  if (raw === '') return undefined;
  switch (el.dataset.kind) {
    case 'int':
    case 'number':
      return Number(raw);
    case 'bool':
      return raw === 'true';
    case 'string[]':
      return raw.split(',').map((s) => s.trim()).filter(Boolean);
    case 'any':
      try {
        return JSON.parse(raw);
      } catch (err) {
        throw new Error(`field '${el.name}' is not valid JSON: ${err.message}`);
      }
    default:
      return el.value;
  }
}

export class BehaviorForm {
  /** @param {HTMLFormElement} form */
  constructor(form) {
    this.form = form;
    this.target = h('select', { name: 'target', id: 'f-target' }, h('option', { value: 'all' }, 'all servers'));
    this.type = h('select', { name: 'type', id: 'f-type' });
    this.summary = h('p', { class: 'summary' });
    this.params = h('div', { class: 'fields' });
    this.targeting = h('div', { class: 'fields' });
    this.preview = h('pre', { class: 'preview', 'aria-label': 'the request this sends' });
    this.notice = h('p', { class: 'notice', role: 'status', 'aria-live': 'polite' });
    this.serversKey = '';
    this.origin = window.location.origin;
    form.noValidate = true; // the server validates, and says what is wrong
    fill(form,
      h('div', { class: 'form-row' },
        h('label', { class: 'field', for: 'f-target' }, h('span', { class: 'field-name' }, 'server'), this.target),
        h('label', { class: 'field', for: 'f-type' }, h('span', { class: 'field-name' }, 'behavior'), this.type)),
      this.summary,
      this.params,
      h('details', { class: 'targeting' }, h('summary', {}, 'Targeting: endpoints, models, times, probability'), this.targeting),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Apply behavior'), this.notice),
      h('details', { class: 'request-preview' }, h('summary', {}, 'The request this sends'), this.preview),
    );
    this.type.addEventListener('change', () => this.showType());
    form.addEventListener('input', () => this.updatePreview());
    form.addEventListener('change', () => this.updatePreview());
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.submit();
    });
  }

  async load() {
    const res = await api.behaviors();
    if (!res.ok) {
      this.say('error', `GET /behaviors failed: ${res.error}`);
      return;
    }
    this.catalog = res.data;
    this.byType = new Map(res.data.behaviors.map((b) => [b.type, b]));
    fill(this.type, res.data.behaviors.map((b) => h('option', { value: b.type }, b.type)));
    const t = res.data.targeting;
    fill(this.targeting, Object.entries(t).map(([name, spec]) => {
      const extra = name === 'endpoints' ? ` Default: ${res.data.default_endpoints.join(', ')}.` : '';
      return field(name, spec, `${hintFor(spec)}${extra}${spec.kind === 'string[]' ? ' Comma-separated.' : ''}`);
    }));
    this.showType();
  }

  showType() {
    const def = this.byType.get(this.type.value);
    this.form.dataset.type = def.type;
    const where = def.acts_on_when.map((w) => `, ${w.acts_on} when ${Object.entries(w.when).map(([k, v]) => `${k} = ${v}`).join(', ')}`).join('');
    fill(this.summary, h('span', { class: 'acts-on' }, `acts on: ${def.acts_on}${where}`), ' ', def.summary);
    const entries = Object.entries(def.params);
    fill(this.params, entries.length
      ? entries.map(([name, spec]) => field(name, spec, hintFor(spec)))
      : h('p', { class: 'muted' }, 'No parameters.'));
    this.say('', '');
    this.updatePreview();
  }

  /** Keeps the server choice in step with the fleet (servers come and go). */
  setServers(servers) {
    const key = servers.map((s) => `${s.port}:${s.name}`).join(',');
    if (key === this.serversKey) return;
    this.serversKey = key;
    const chosen = this.target.value;
    fill(this.target, h('option', { value: 'all' }, `all servers (${servers.length})`), servers.map((s) => h('option', { value: String(s.port) }, `${s.name} :${s.port}`)));
    this.target.value = servers.some((s) => String(s.port) === chosen) ? chosen : 'all';
    this.updatePreview();
  }

  chooseServer(port) {
    this.target.value = String(port);
    this.updatePreview();
    this.type.focus();
  }

  /** The POST /behavior body; throws a message when a JSON field does not parse. */
  payload() {
    const behavior = { type: this.type.value };
    const controls = /** @type {Array<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>} */ ([...this.params.querySelectorAll('[name]'), ...this.targeting.querySelectorAll('[name]')]);
    for (const el of controls) {
      const v = valueOf(el);
      if (v !== undefined) behavior[el.name] = v;
    }
    const port = this.target.value === 'all' ? { all: true } : Number(this.target.value);
    return { port, behavior };
  }

  updatePreview() {
    if (!this.byType) return;
    let text;
    try {
      text = `curl -s ${this.origin}/behavior -d '${JSON.stringify(this.payload())}'`;
    } catch (err) {
      text = err.message;
    }
    setText(this.preview, text);
  }

  async submit() {
    for (const el of this.form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    let body;
    try {
      body = this.payload();
    } catch (err) {
      this.say('error', err.message);
      return;
    }
    const res = await api.setBehavior(body.port, body.behavior);
    if (!res.ok) {
      this.say('error', res.error);
      const el = res.field && this.form.querySelector(`[name="${CSS.escape(res.field === 'port' ? 'target' : res.field)}"]`);
      if (el) el.setAttribute('aria-invalid', 'true');
      return;
    }
    const where = res.data.ports.length > 1 ? `${res.data.ports.length} servers` : `:${res.data.ports[0]}`;
    this.say('ok', `${res.data.behavior} set on ${where}`);
  }

  say(kind, text) {
    this.notice.dataset.kind = kind;
    setText(this.notice, text);
  }
}
