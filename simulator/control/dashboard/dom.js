// Building DOM from data without ever parsing data as HTML: every value becomes a text node or a
// property, so a prompt or a model name such as "<script>..." is shown as text, never run. (The
// page's Content-Security-Policy forbids inline scripts as a second line of defence.)

/**
 * h('div', { class: 'card', data: { port: 11501 }, title: 'x', on: { click: fn } }, 'text', child)
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any>} [props]
 * @param {...any} children strings and numbers become text nodes; null/false are skipped
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'data') for (const [k, v] of Object.entries(value)) el.dataset[k] = String(v);
    else if (key === 'on') for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    else if (/^on/i.test(key) || key === 'href' || key === 'src' || key === 'style') throw new Error(`h(): set ${key} through a property, not from data`);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/**
 * Appends children (nested arrays allowed) as nodes or text.
 * @param {Element} el
 * @param {any[]} children
 */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/**
 * Replaces every child of el.
 * @param {Element} el
 * @param {...any} children
 */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/**
 * Sets textContent only when it changed (no layout work for the 4 updates a second that change nothing).
 * @param {Element} el
 * @param {unknown} text
 */
export function setText(el, text) {
  const s = String(text);
  if (el.textContent !== s) el.textContent = s;
}

/**
 * An http(s) link, or plain text when the value is anything else.
 * @param {string} url
 * @param {string} text
 */
export function link(url, text) {
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') {
      const a = h('a', { target: '_blank', rel: 'noopener noreferrer' }, text);
      a.href = u.href;
      return a;
    }
  } catch {
    // not a URL: fall through to text
  }
  return h('span', {}, text);
}

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el;
}
