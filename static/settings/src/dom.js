// A tiny element builder: enough structure for a small page without a framework.
// Text always goes in as text nodes, so nothing from a server or a record is ever parsed as HTML.

/**
 * Creates an element. `props` keys: `class`, `text`, `on<Event>` handlers, `dataset`,
 * `aria-*`/other attributes (strings; `false`/`null` skip them), and DOM properties
 * (`value`, `checked`, `disabled`, `hidden`, `type`...) which are assigned directly.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  // Children first, so that `value` on a <select> can pick one of its options.
  append(el, children);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (value === false && !(name in el)) continue; // an absent attribute; properties take false
    if (name === 'class') el.className = value;
    else if (name === 'text') el.textContent = String(value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name in el && !name.includes('-')) el[name] = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces all children of `el`. */
export function replaceChildren(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let idCounter = 0;
/** A page-unique id for label/aria wiring. */
export function uid(prefix) {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** A labelled form field: `<div class="field"><label/>control<p class="help"/></div>`. */
export function field(label, control, help) {
  if (!control.id) control.id = uid('f');
  const helpEl = help ? h('p', { class: 'help', id: uid('help'), text: help }) : null;
  if (helpEl) control.setAttribute('aria-describedby', helpEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id, text: label }), control, helpEl);
}

/**
 * A status line. `set(kind, text)` with kind `info | ok | error | busy`; errors use
 * role=alert so screen readers announce them at once, the rest a polite live region.
 */
export function statusLine() {
  const el = h('div', { class: 'status', role: 'status', 'aria-live': 'polite' });
  return {
    el,
    set(kind, text) {
      el.className = `status status-${kind}`;
      el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
      el.textContent = text || '';
    },
    clear() {
      el.className = 'status';
      el.textContent = '';
    },
  };
}

/** Runs `fn` with `button` disabled and marked busy; the button comes back even on error. */
export async function whileBusy(button, fn) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/** Formats an ISO timestamp (or epoch ms) for people; unknown values show as-is. */
export function formatTime(value) {
  if (value === undefined || value === null || value === '') return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** The time of day only, for the end of a run that began the same day. */
export function formatClock(value) {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value ?? '—');
  return date.toLocaleTimeString(undefined, { timeStyle: 'medium' });
}

/** Shows any attribute value readably: arrays joined, objects as JSON, empty as an em dash. */
export function showValue(value) {
  if (value === undefined || value === null || value === '') return '—';
  if (Array.isArray(value)) return value.length ? value.map(showValue).join(', ') : '—';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
