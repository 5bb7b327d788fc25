// Imports: the list of imports, with Add and Edit opening the form (import-form.js).

import { call } from './api.js';
import { createConfirmDialog } from './confirm-dialog.js';
import { formatTime, h, replaceChildren, statusLine } from './dom.js';
import { createImportForm } from './import-form.js';
import { SCHEDULE_LABELS } from './labels.js';
import { statusText, toMillis } from './report.js';

/**
 * The Imports panel. `onRunStarted(importId, runId)` is called after *Run now*.
 * `load()` fetches the list.
 */
export function createImportsPanel({ core, onRunStarted, onConnect }) {
  const listStatus = statusLine();
  const listBody = h('div', { class: 'imports-list' });
  const addButton = h('button', { type: 'button', class: 'button button-primary', text: 'Add import', onclick: () => openForm(null) });
  const formHost = h('div', { class: 'import-form-host' });
  const confirmDialog = createConfirmDialog();

  const el = h('section', { class: 'panel-body' },
    h('div', { class: 'panel-head' },
      h('h2', { text: 'Imports' }),
      addButton),
    h('p', { class: 'lead', text: 'Each import reads one kind of JumpCloud record and keeps one Assets object type in step with it.' }),
    listStatus.el,
    listBody,
    formHost,
    confirmDialog.el);

  let imports = [];
  let connected = true;
  let form = null;
  /** importId → its newest run record; null until the history has been read. */
  let lastRuns = null;
  let listLoaded = false;

  /** The imports list has no run data: the newest run of each comes from the history. */
  async function loadLastRuns() {
    if (!listLoaded) return; // the list's own error is on show; an empty list would contradict it
    try {
      const runs = await call('listRuns', {});
      lastRuns = new Map();
      for (const run of Array.isArray(runs) ? runs : []) {
        const seen = lastRuns.get(run?.importId);
        if (!seen || toMillis(run.startedAt) > toMillis(seen.startedAt)) lastRuns.set(run.importId, run);
      }
    } catch {
      lastRuns = new Map(); // the column is informational; the Run history tab reports errors
    }
    renderList();
  }

  async function load() {
    listStatus.set('busy', 'Loading imports…');
    try {
      imports = (await call('listImports')) || [];
      // With nothing to list, the next step depends on whether JumpCloud is connected yet.
      if (!imports.length) connected = Boolean((await call('getConnection').catch(() => null))?.hasApiKey);
      listLoaded = true;
      listStatus.clear();
      renderList();
      loadLastRuns();
    } catch (error) {
      listStatus.set('error', error.message);
    }
  }

  function renderList() {
    if (!imports.length) {
      replaceChildren(listBody, connected
        ? h('p', { class: 'empty', text: 'No imports yet. Add one to start syncing JumpCloud into Assets.' })
        : h('div', { class: 'empty empty-state' },
          h('p', { text: 'Connect JumpCloud first: imports read your directory with its API key.' }),
          onConnect ? h('button', { type: 'button', class: 'button button-primary', text: 'Connect JumpCloud', onclick: onConnect }) : null));
      return;
    }
    const rows = imports.map((imp) => h('tr', {},
      h('th', { scope: 'row', text: imp.name || '(unnamed)' }),
      h('td', { text: scheduleLabel(imp.schedule) + (imp.enabled === false ? ' (paused)' : '') }),
      h('td', { class: 'cell-last-run' }, lastRuns ? lastRunCell(imp.lastRun ?? lastRuns.get(imp.id)) : '…'),
      h('td', { class: 'cell-actions' },
        h('button', {
          type: 'button',
          class: 'button button-small',
          text: 'Edit',
          'aria-label': `Edit import ${imp.name || ''}`.trim(),
          onclick: () => openForm(imp),
        }))));
    replaceChildren(listBody, h('table', { class: 'table' },
      h('caption', { class: 'visually-hidden', text: 'Imports' }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', text: 'Name' }),
        h('th', { scope: 'col', text: 'Schedule' }),
        h('th', { scope: 'col', text: 'Last run' }),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden', text: 'Actions' })))),
      h('tbody', {}, rows)));
  }

  /** True when there is no form with unsaved edits, or the admin chose to discard them. */
  async function mayLeaveForm() {
    if (!form?.isDirty()) return true;
    const discard = await confirmDialog.ask({
      title: 'Discard your unsaved changes?',
      body: 'The import has edits that are not saved. Discard them, or cancel and Save first.',
      confirmText: 'Discard changes',
    });
    if (discard) form.discard();
    return discard;
  }

  async function openForm(imp) {
    if (!(await mayLeaveForm())) return;
    form?.discard();
    form = createImportForm({
      core,
      initial: imp,
      confirm: confirmDialog.ask,
      // Two imports cannot share a name: the others', for the form's check.
      otherNames: (id) => imports.filter((i) => i.id !== id).map((i) => String(i.name ?? '')),
      onSaved(saved) {
        const index = imports.findIndex((i) => i.id === saved.id);
        if (index >= 0) imports[index] = saved;
        else imports.push(saved);
        renderList();
      },
      onDeleted(id) {
        imports = imports.filter((i) => i.id !== id);
        renderList();
        closeForm({ force: true });
        listStatus.set('ok', 'The import was deleted.');
      },
      onRunStarted,
      onClose: () => closeForm(),
    });
    replaceChildren(formHost, form.el);
    form.focus();
  }

  async function closeForm({ force = false } = {}) {
    if (!force && !(await mayLeaveForm())) return;
    form?.discard();
    form = null;
    formHost.replaceChildren();
    addButton.focus();
  }

  // `refresh` re-reads the last runs when the admin comes back to the tab (a run may have ended).
  return { el, load, refresh: loadLastRuns };
}

function scheduleLabel(schedule) {
  return SCHEDULE_LABELS[schedule] ?? SCHEDULE_LABELS.manual;
}

/** The last run's cell: its status as the run history's badge, then when. */
function lastRunCell(lastRun) {
  if (!lastRun) return 'Never';
  if (typeof lastRun !== 'object') return formatTime(lastRun);
  const when = lastRun.finishedAt || lastRun.startedAt;
  const parts = [
    lastRun.status ? h('span', { class: `badge badge-${lastRun.status}`, dataset: { status: String(lastRun.status) }, text: statusText(lastRun.status) }) : null,
    when ? formatTime(when) : null,
  ].filter(Boolean);
  return parts.length ? parts.flatMap((part, i) => (i ? [' · ', part] : [part])) : '—';
}
