// A tiny element builder for the parts drawn outside React (the CodeMirror editor's lists and
// tooltips, download links), and formatting helpers the panels share.
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
