import { h, uid } from './dom.js';

/** A modal confirm built on <dialog> (sandboxed iframes block window.confirm). */
export function createConfirmDialog() {
  const title = h('h3', { id: uid('confirm-title') });
  const body = h('p');
  const ok = h('button', { type: 'button', class: 'button button-danger' });
  const cancel = h('button', { type: 'button', class: 'button', text: 'Cancel' });
  const el = h('dialog', { class: 'dialog', 'aria-labelledby': title.id }, title, body, h('div', { class: 'actions' }, ok, cancel));
  let resolve = null;
  function finish(answer) {
    if (el.open) el.close();
    resolve?.(answer);
    resolve = null;
  }
  ok.addEventListener('click', () => finish(true));
  cancel.addEventListener('click', () => finish(false));
  el.addEventListener('cancel', () => finish(false));
  return {
    el,
    /** `tone`: 'danger' (default) for what cannot be undone, 'primary' for the main action. */
    ask({ title: t, body: b, confirmText, tone = 'danger' }) {
      title.textContent = t;
      body.textContent = b;
      ok.textContent = confirmText;
      ok.className = `button button-${tone}`;
      el.showModal();
      cancel.focus(); // the safe choice has focus
      return new Promise((r) => { resolve = r; });
    },
  };
}
