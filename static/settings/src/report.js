// Presenting the sync engine's RunReport (crates/sync/src/report.rs): the same shape is the
// Preview's dry-run answer and every stored run record, so Preview and Run history share these
// pieces. Every field is read defensively: records written by older versions may lack some.

import { h, showValue } from './dom.js';
import { PHASE_LABELS, STATUS_LABELS } from './labels.js';

const API_CALL_TEXT = {
  jumpcloud: 'JumpCloud',
  aql: 'Assets searches',
  create: 'creates',
  update: 'updates',
  delete: 'deletes',
  read: 'other Assets reads',
  userSearch: 'Jira user searches',
  retries: 'retries',
};

/** A run's status in words; unknown statuses show as they are. */
export function statusText(status) {
  return STATUS_LABELS[status] || showValue(status);
}

/** Whether a run is still going (stored `continue` between queue slices, or just queued here). */
export function inProgress(status) {
  return status === 'continue' || status === 'queued';
}

/** The phase in words. */
export function phaseText(phase) {
  return PHASE_LABELS[phase] || showValue(phase);
}

/** Milliseconds since the epoch from a number or a date text; 0 when unknown (sorts last). */
export function toMillis(value) {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  const parsed = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isNaN(parsed) ? 0 : parsed;
}

/** "1.2 s", "3 min 4 s" — for durationMs. */
export function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

/**
 * Count tiles: `tiles` is `[[countKey, label]]`. A non-zero `failed` or `incomplete` is shown in red.
 * Each tile carries `data-count` so tests and styles can find it.
 */
export function countTiles(counts, tiles, { small = false } = {}) {
  return h('dl', { class: `counts${small ? ' counts-small' : ''}` }, tiles.map(([key, label]) => {
    const value = Number(counts?.[key] ?? 0) || 0;
    const bad = ((key === 'failed' || key === 'incomplete') && value > 0) ? ' count-bad' : '';
    return h('div', { class: `count count-${key}${bad}`, dataset: { count: key } },
      h('dt', { text: label }),
      h('dd', { text: String(value) }));
  }));
}

/**
 * A guard's reason, prominently: the engine withheld every mark/delete. The reason is the
 * engine's sentence ("5 object(s) would be deleted, more than the limit of 2 …").
 */
export function guardNotice(guard) {
  const reason = typeof guard?.reason === 'string' ? guard.reason.trim() : '';
  if (!reason) return null;
  return h('div', { class: 'guard', role: 'note' },
    // The reason says what was withheld: retirements, or the clears of one attribute.
    h('strong', { text: 'Safety guard: ' }),
    sentence(reason));
}

/** A run-level message (why a run failed, why it was skipped) as a sentence. */
export function runMessage(report) {
  const text = typeof report?.message === 'string' ? report.message.trim() : '';
  if (!text) return null;
  const failed = report.status === 'failed';
  const message = h('p', { class: failed ? 'status status-error run-message' : 'status status-info run-message', text: sentence(text) });
  // When the mapping caused the failure, the run's own diagnostics say where.
  const diagnostics = Array.isArray(report.error?.diagnostics) ? report.error.diagnostics : [];
  if (!diagnostics.length) return message;
  return h('div', { class: 'run-failure' }, message,
    h('ul', { class: 'run-diagnostics' }, diagnostics.map((d) => h('li', {
      title: d.code,
      text: `Line ${d.line}, column ${d.column}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`,
    }))));
}

/** "API calls: JumpCloud 1, Assets searches 2, …" (zero counts left out). */
export function apiCallsLine(apiCalls) {
  if (!apiCalls || typeof apiCalls !== 'object') return null;
  const parts = Object.entries(apiCalls)
    .filter(([, v]) => typeof v === 'number' && v > 0)
    .map(([k, v]) => `${API_CALL_TEXT[k] || k} ${v}`);
  return parts.length ? h('p', { class: 'help api-calls', text: `API calls: ${parts.join(', ')}` }) : null;
}

/**
 * The per-record problems of a report, errors and warnings in separate tables.
 * `tense` is `would` for previews, `did` for runs. `limit` rows per table.
 */
export function problemTables(report, { tense = 'did', limit = 100 } = {}) {
  const all = Array.isArray(report?.errors) ? report.errors : [];
  const errors = all.filter((e) => e?.level !== 'warning');
  const warnings = all.filter((e) => e?.level === 'warning');
  const omitted = Number(report?.errorsOmitted) || 0;
  const parts = [];
  if (errors.length) {
    parts.push(problemTable(errors, {
      kind: 'errors',
      title: tense === 'would' ? `${plural(errors.length, 'problem')} that would stop a record being written` : `${plural(errors.length, 'record problem')}: not written`,
      open: errors.length <= 5,
      limit,
    }));
  }
  if (warnings.length) {
    parts.push(problemTable(warnings, {
      kind: 'warnings',
      title: `${plural(warnings.length, 'warning')}: written with something left out`,
      open: false,
      limit,
    }));
  }
  if (omitted > 0) {
    parts.push(h('p', { class: 'help', text: `${plural(omitted, 'more problem')} not listed (the list keeps the first ${all.length}).` }));
  }
  return parts;
}

function problemTable(rows, { kind, title, open, limit }) {
  const shown = rows.slice(0, limit);
  return h('details', { class: `problems-${kind} run-${kind}`, open },
    h('summary', { text: title }),
    h('table', { class: `table table-compact table-${kind}` },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', text: 'Record (JumpCloud key)' }),
        h('th', { scope: 'col', text: 'Attribute' }),
        h('th', { scope: 'col', text: 'What happened' }))),
      h('tbody', {}, shown.map((e) => h('tr', {},
        h('th', { scope: 'row', text: e?.key ? String(e.key) : '(whole run)' }),
        h('td', { text: showValue(e?.attribute) }),
        h('td', { text: e?.message ? String(e.message) : '—' }))))),
    rows.length > shown.length ? h('p', { class: 'help', text: `…and ${rows.length - shown.length} more.` }) : null);
}

/** "1 warning", "3 warnings". */
export function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Capitalises and ends with a full stop: the engine's messages are sentence fragments. */
function sentence(text) {
  const t = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?…]$/.test(t) ? t : `${t}.`;
}
