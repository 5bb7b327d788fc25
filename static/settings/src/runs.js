// Run history: the engine's stored run records (status, phase, progress, counts, guard, and
// every record that failed and why), newest first. Polls while a run is going — a stored
// `continue` record between queue slices, or a run just started here that the queue consumer
// has not begun yet (shown as queued) — and stops when none is (or the panel is hidden).

import { call } from './api.js';
import { csvText, download, timestampForFile } from './files.js';
import { formatClock, formatTime, h, replaceChildren, statusLine, uid } from './dom.js';
import {
  apiCallsLine, countTiles, formatDuration, guardNotice, inProgress, phaseText,
  problemTables, runMessage, statusText, toMillis,
} from './report.js';

const COUNT_TILES = [
  ['source', 'Read from JumpCloud'],
  ['created', 'Created'],
  ['updated', 'Updated'],
  ['unchanged', 'Unchanged'],
  ['missing', 'Missing in JumpCloud'],
  ['marked', 'Marked'],
  ['deleted', 'Deleted'],
  ['failed', 'Failed'],
  ['incomplete', 'Written without some values'],
  ['warnings', 'Warnings'],
];
/** A run started here and never seen in the history is given up on after this long. */
const QUEUED_PATIENCE_MS = 10 * 60_000;

/**
 * The Run history panel. `pollMs` is the refresh interval while a run is going.
 * `show(importId?, {startedRunId?})` loads (optionally filtered to one import; `startedRunId`
 * is a run just started, shown as queued until its record appears) and polls; `hide()` stops.
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
  /** runId → a placeholder record for runs started here and not yet in the history. */
  const queued = new Map();

  filter.addEventListener('change', () => load());

  let anyRunning = false;
  function schedulePoll(runs) {
    anyRunning = runs.some((r) => inProgress(r.status));
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
      const stored = await call('listRuns', payload);
      const runs = withQueued(Array.isArray(stored) ? stored.filter((r) => r && typeof r === 'object') : []);
      status.clear();
      render(runs);
      announceChanges(runs);
      schedulePoll(runs);
    } catch (error) {
      status.set('error', error.message);
    }
  }

  /** The stored runs plus placeholders for started runs the queue has not begun. */
  function withQueued(runs) {
    const now = Date.now();
    for (const [runId, placeholder] of queued) {
      if (runs.some((r) => r.runId === runId)) queued.delete(runId);
      else if (now - placeholder.startedAt > QUEUED_PATIENCE_MS) {
        queued.delete(runId);
        status.set('error', `The run started at ${formatTime(placeholder.startedAt)} has not begun after ${QUEUED_PATIENCE_MS / 60_000} minutes. Its queue may be stuck; try Run now again later.`);
      }
    }
    const shown = [...queued.values()].filter((q) => !filter.value || q.importId === filter.value);
    return [...shown, ...runs].sort((a, b) => toMillis(b.startedAt) - toMillis(a.startedAt));
  }

  function announceChanges(runs) {
    const finished = runs.filter((r) => inProgress(lastStatuses.get(r.runId)) && !inProgress(r.status));
    if (finished.length) {
      live.textContent = finished.map((r) => `Run of ${importNames.get(r.importId) || 'an import'}: ${statusText(r.status).toLowerCase()}.`).join(' ');
    }
    lastStatuses = new Map(runs.map((r) => [r.runId, r.status]));
  }

  function render(runs) {
    if (!runs.length) {
      replaceChildren(list, h('p', { class: 'empty', text: 'No runs yet. Start one with Run now on an import, or wait for its schedule.' }));
      return;
    }
    replaceChildren(list, runs.map(runCard));
  }

  function runCard(run) {
    const state = String(run.status ?? 'unknown');
    return h('article', { class: `run card run-${state}`, dataset: { runId: String(run.runId ?? ''), status: state } },
      h('header', { class: 'run-head' },
        h('span', { class: `badge badge-${state}`, text: statusText(run.status) }),
        h('h3', { class: 'run-title', text: importNames.get(run.importId) || (run.importId ? `Import ${run.importId}` : 'Unknown import') }),
        h('span', { class: 'run-time', text: timeText(run) })),
      state === 'queued'
        ? h('p', { class: 'help', text: 'Waiting for the run to begin. Runs start within a few seconds, and large directories continue across several invocations.' })
        : [
          guardNotice(run.guard),
          runMessage(run),
          progressBar(run),
          hasCounts(run) ? countTiles(run.counts, COUNT_TILES, { small: true }) : null,
          apiCallsLine(run.apiCalls),
          problemTables(run, { tense: 'did' }),
          resultsDownloads(run),
        ]);
  }

  /** The run's results as files: its per-record problems as CSV, the whole record as JSON. */
  function resultsDownloads(run) {
    if (inProgress(run.status) || run.status === 'queued') return null;
    const name = `tributary-run-${String(run.runId ?? 'unknown')}-${timestampForFile(new Date(toMillis(run.startedAt) || Date.now()))}`;
    const problems = Array.isArray(run.errors) ? run.errors : [];
    return h('div', { class: 'actions run-downloads' },
      h('button', {
        type: 'button', class: 'button button-small', text: 'Download results (CSV)',
        onclick: () => download(`${name}.csv`, 'text/csv;charset=utf-8', csvText([
          ['level', 'record', 'attribute', 'message'],
          ...problems.map((e) => [e?.level ?? 'error', e?.key ?? '', e?.attribute ?? '', e?.message ?? '']),
        ])),
      }),
      h('button', {
        type: 'button', class: 'button button-small', text: 'Download the run record (JSON)',
        onclick: () => download(`${name}.json`, 'application/json', `${JSON.stringify(run, null, 2)}\n`),
      }),
      run.errorsOmitted ? h('span', { class: 'help', text: `The record keeps the first ${problems.length} problems; ${run.errorsOmitted} more were counted, not kept.` }) : null);
  }

  function progressBar(run) {
    const going = inProgress(run.status);
    // A finished run's bar would always be full; a failed one says where it stopped instead.
    if (!going) {
      return run.status === 'failed' && run.phase && run.phase !== 'done'
        ? h('p', { class: 'help progress-text', text: `Stopped while ${lowerFirst(phaseText(run.phase))}.` })
        : null;
    }
    const done = Number(run.progress?.done) || 0;
    const total = Number(run.progress?.total) || 0;
    const unit = run.phase === 'write' ? 'writes' : 'records';
    const percent = total ? Math.round((Math.min(done, total) / total) * 100) : null;
    const progressId = uid('progress');
    const counted = total ? `${done} of ${total} ${unit} (${percent}%)` : (done ? `${done} ${unit} so far` : '');
    // The run record is stored as the engine goes; between two records the clock still moves.
    const started = toMillis(run.startedAt);
    const elapsed = started ? formatDuration(Math.max(0, Date.now() - started)) : '';
    const text = [counted, elapsed && `running for ${elapsed}`].filter(Boolean).join(' · ');
    return h('div', { class: 'run-progress' },
      h('label', { for: progressId, text: `Phase: ${phaseText(run.phase)}` }),
      // An indeterminate bar (no value) while the total is unknown.
      h('progress', { id: progressId, max: total || 1, value: total ? Math.min(done, total) : undefined }),
      h('span', { class: 'progress-text', text }));
  }

  return {
    el,
    async show(importId, { startedRunId } = {}) {
      visible = true;
      if (startedRunId && !queued.has(startedRunId)) {
        queued.set(startedRunId, { runId: startedRunId, importId, status: 'queued', startedAt: Date.now() });
      }
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

/** "27 Nov 2026, 09:00:00 → 09:01:10 (1 min 10 s, 2 invocations)" or "started …". */
function timeText(run) {
  if (run.status === 'queued') return `started ${formatTime(run.startedAt)}`;
  const extras = [];
  const duration = formatDuration(Number(run.durationMs));
  if (duration) extras.push(duration);
  const suffix = extras.length ? ` (${extras.join(', ')})` : '';
  return run.finishedAt
    ? `${formatTime(run.startedAt)} → ${sameDay(run.startedAt, run.finishedAt) ? formatClock(run.finishedAt) : formatTime(run.finishedAt)}${suffix}`
    : `started ${formatTime(run.startedAt)}${suffix}`;
}

function sameDay(a, b) {
  const [x, y] = [new Date(toMillis(a)), new Date(toMillis(b))];
  return toMillis(a) > 0 && toMillis(b) > 0 && x.toDateString() === y.toDateString();
}

function lowerFirst(text) {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Zero tiles say nothing for a run that did nothing (busy) or failed before reading anything. */
function hasCounts(run) {
  if (run.status === 'busy') return false;
  if (run.status !== 'failed') return true;
  return Object.values(run.counts ?? {}).some((n) => Number(n) > 0);
}
