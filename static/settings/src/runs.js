// Run history: status, progress, counts, and every record that failed and why.
// Polls while a run is going, and stops when none is (or the panel is hidden).

import { call } from './api.js';
import { formatTime, h, replaceChildren, showValue, statusLine, uid } from './dom.js';

const STATUS_TEXT = {
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  stopped: 'Stopped',
};
const COUNT_LABELS = [
  ['created', 'Created'],
  ['updated', 'Updated'],
  ['unchanged', 'Unchanged'],
  ['marked', 'Marked'],
  ['deleted', 'Deleted'],
  ['failed', 'Failed'],
];
/** Failed records listed per run before "and N more". */
const ERROR_ROW_LIMIT = 100;

/**
 * The Run history panel. `pollMs` is the refresh interval while a run is going.
 * `show(importId?)` loads (optionally filtered to one import) and starts polling; `hide()` stops it.
 */
export function createRunsPanel({ pollMs = 2000 } = {}) {
  const filter = h('select', { class: 'input input-inline', id: uid('run-filter') },
    h('option', { value: '', text: 'All imports' }));
  const refresh = h('button', { type: 'button', class: 'button button-small', text: 'Refresh', onclick: () => load() });
  const status = statusLine();
  const live = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });
  const list = h('div', { class: 'runs' });
  const el = h('section', { class: 'panel-body' },
    h('div', { class: 'panel-head' },
      h('h2', { text: 'Run history' }),
      h('div', { class: 'inline' }, h('label', { for: filter.id, text: 'Import' }), filter, refresh)),
    status.el,
    live,
    list);

  let importNames = new Map();
  let timer = null;
  let visible = false;
  let lastStatuses = new Map();

  filter.addEventListener('change', () => load());

  let anyRunning = false;
  function schedulePoll(runs) {
    anyRunning = runs.some((r) => r.status === 'running');
    // Each poll is a resolver invocation: none while the browser tab is in the background.
    if (visible && anyRunning && document.visibilityState !== 'hidden') {
      timer = setTimeout(() => load({ quiet: true }), pollMs);
    }
  }
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && visible && anyRunning) load({ quiet: true });
  });

  /** Names for the filter and for runs, from the imports list. */
  async function loadImportNames() {
    try {
      const imports = (await call('listImports')) || [];
      importNames = new Map(imports.map((i) => [i.id, i.name]));
      const selected = filter.value;
      replaceChildren(filter, h('option', { value: '', text: 'All imports' }),
        imports.map((i) => h('option', { value: String(i.id), text: i.name || String(i.id) })));
      filter.value = selected;
    } catch {
      // The run list still works without names; its own errors are shown by load().
    }
  }

  async function load({ quiet = false } = {}) {
    clearTimeout(timer);
    if (!quiet) status.set('busy', 'Loading run history…');
    try {
      const payload = filter.value ? { importId: filter.value } : {};
      const runs = (await call('listRuns', payload)) || [];
      status.clear();
      render(runs);
      announceChanges(runs);
      schedulePoll(runs);
    } catch (error) {
      status.set('error', error.message);
    }
  }

  function announceChanges(runs) {
    const finished = runs.filter((r) => lastStatuses.get(r.runId) === 'running' && r.status !== 'running');
    if (finished.length) {
      live.textContent = finished.map((r) => `Run of ${importNames.get(r.importId) || 'an import'} ${STATUS_TEXT[r.status]?.toLowerCase() || r.status}.`).join(' ');
    }
    lastStatuses = new Map(runs.map((r) => [r.runId, r.status]));
  }

  function render(runs) {
    if (!runs.length) {
      replaceChildren(list, h('p', { class: 'empty', text: 'No runs yet. Start one with Run now on an import, or wait for its schedule.' }));
      return;
    }
    const sorted = [...runs].sort((a, b) => String(b.startedAt ?? '').localeCompare(String(a.startedAt ?? '')));
    replaceChildren(list, sorted.map(runCard));
  }

  function runCard(run) {
    const done = run.progress?.done ?? 0;
    const total = run.progress?.total ?? 0;
    const label = STATUS_TEXT[run.status] || showValue(run.status);
    const percent = total ? Math.round((done / total) * 100) : null;
    const progressId = uid('progress');
    const errors = run.errors ?? [];
    return h('article', { class: `run card run-${run.status}`, dataset: { runId: run.runId, status: run.status } },
      h('header', { class: 'run-head' },
        h('span', { class: `badge badge-${run.status}`, text: label }),
        h('h3', { class: 'run-title', text: importNames.get(run.importId) || `Import ${run.importId ?? ''}`.trim() }),
        h('span', { class: 'run-time', text: run.finishedAt
          ? `${formatTime(run.startedAt)} → ${formatTime(run.finishedAt)}`
          : `started ${formatTime(run.startedAt)}` })),
      h('div', { class: 'run-progress' },
        h('label', { for: progressId, text: run.phase ? `Phase: ${run.phase}` : 'Progress' }),
        h('progress', { id: progressId, max: total || 1, value: total ? done : (run.status === 'running' ? undefined : 1) }),
        h('span', { class: 'progress-text', text: total ? `${done} of ${total} records${percent !== null ? ` (${percent}%)` : ''}` : '' })),
      h('dl', { class: 'counts counts-small' }, COUNT_LABELS.map(([key, text]) => h('div', { class: `count count-${key}${key === 'failed' && run.counts?.failed ? ' count-bad' : ''}`, dataset: { count: key } },
        h('dt', { text }),
        h('dd', { text: String(run.counts?.[key] ?? 0) })))),
      apiCallsLine(run.apiCalls),
      errors.length ? failedRecords(errors) : null);
  }

  function apiCallsLine(apiCalls) {
    if (!apiCalls || typeof apiCalls !== 'object') return null;
    const parts = Object.entries(apiCalls).filter(([, v]) => typeof v === 'number').map(([k, v]) => `${k} ${v}`);
    return parts.length ? h('p', { class: 'help', text: `API calls: ${parts.join(', ')}` }) : null;
  }

  function failedRecords(errors) {
    const shown = errors.slice(0, ERROR_ROW_LIMIT);
    return h('details', { class: 'run-errors', open: errors.length <= 5 },
      h('summary', { text: `${errors.length} record${errors.length === 1 ? '' : 's'} failed` }),
      h('table', { class: 'table table-compact' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Record' }), h('th', { scope: 'col', text: 'Why it failed' }))),
        h('tbody', {}, shown.map((e) => h('tr', {}, h('th', { scope: 'row', text: showValue(e.key) }), h('td', { text: e.message || '—' }))))),
      errors.length > shown.length ? h('p', { class: 'help', text: `…and ${errors.length - shown.length} more.` }) : null);
  }

  return {
    el,
    async show(importId) {
      visible = true;
      await loadImportNames();
      if (importId !== undefined) filter.value = String(importId ?? '');
      await load();
    },
    hide() {
      visible = false;
      clearTimeout(timer);
    },
  };
}
