// Presenting the sync engine's RunReport (crates/sync/src/report.rs): the same shape is the
// Preview's dry-run answer and every stored run record, so Preview and Run history share these
// helpers (report-view.jsx draws them). Every field is read defensively: records written by older versions may lack some.

import { showValue } from './dom.js';
import { PHASE_LABELS, STATUS_LABELS } from './labels.js';

/** apiCalls keys → words. */
export const API_CALL_TEXT = {
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

/**
 * Whether a run is still going: stored `continue` between queue slices, `running` / `queued`
 * (a background preview, or a run just started here that the queue has not begun).
 */
export function inProgress(status) {
  return status === 'continue' || status === 'queued' || status === 'running';
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

/** "1 warning", "3 warnings". */
export function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Capitalises and ends with a full stop: the engine's messages are sentence fragments. */
export function sentence(text) {
  const t = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?…]$/.test(t) ? t : `${t}.`;
}
