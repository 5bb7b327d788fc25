// Preview: the dry run's outcome line and its field-by-field plan tables.

import { h, showValue, uid } from './dom.js';
import { countTiles, guardNotice, problemTables, runMessage } from './report.js';

/** Rows shown per preview table before "and N more". */
const PREVIEW_ROW_LIMIT = 200;

const PREVIEW_TILES = [
  ['source', 'Read from JumpCloud'],
  ['created', 'To create'],
  ['updated', 'To update'],
  ['unchanged', 'Unchanged'],
  ['missing', 'Missing in JumpCloud'],
  ['marked', 'To mark'],
  ['deleted', 'To delete'],
  ['failed', 'Would fail'],
  ['incomplete', 'Would lack some values'],
  ['warnings', 'Warnings'],
];

/** How the Preview went, for the form's status line: `[kind, text]`. */
export function previewOutcome(report) {
  switch (report?.status) {
    case 'succeeded':
      return ['ok', 'Preview ready. Nothing was written to Assets.'];
    case 'stopped':
      return ['ok', 'Preview ready, with a safety guard (see below). Nothing was written to Assets.'];
    case 'partial':
      return ['error', 'Preview ready: some records would fail or lack some values (see below). Nothing was written to Assets.'];
    case 'continue':
      return ['error', 'The preview did not finish in time, so there is no plan to show. Nothing was written to Assets.'];
    case 'busy':
      return ['error', 'A run of this import is going on; preview again when it has finished.'];
    case 'failed':
      return ['error', `The preview failed: ${report.message || 'the server gave no reason'}`];
    default:
      return ['ok', 'Preview ready. Nothing was written to Assets.'];
  }
}

/**
 * The dry-run RunReport: counts (planned numbers), the guard, then field-by-field tables of
 * what would be created, updated and retired, and the records that would fail.
 */
export function renderPreview(report) {
  const plan = report?.plan && typeof report.plan === 'object' ? report.plan : null;
  const section = h('section', { class: 'card preview', 'aria-label': 'Preview' },
    h('h4', { text: 'Preview: what a run would do' }),
    guardNotice(report?.guard),
    runMessage(report));
  // Without a plan (failed, unfinished or busy) the planned counts would be zeros that mean nothing.
  if (!plan) return section;
  section.append(countTiles(report.counts, PREVIEW_TILES));

  const updates = Array.isArray(plan.updates) ? plan.updates : [];
  const updateRows = updates.flatMap((u) => (u?.changes ?? []).map((c) => ({ u, c })));
  appendAll(section, previewTable('Updates (old → new)', updateRows, ['Record', 'Object', 'Attribute', 'Old', 'New'], ({ u, c }) => [
    u.key, u.objectKey, c.attribute,
    h('del', { class: 'diff-old', text: showValue(c.old) }),
    h('ins', { class: 'diff-new', text: showValue(c.new) }),
  ], 'diff'));

  const creates = Array.isArray(plan.creates) ? plan.creates : [];
  const createRows = creates.flatMap((cr) => {
    const changes = Array.isArray(cr?.changes) ? cr.changes : [];
    return changes.length ? changes.map((c) => ({ cr, c })) : [{ cr, c: null }];
  });
  appendAll(section, previewTable('Creates', createRows, ['Record', 'Attribute', 'Value'], ({ cr, c }) => [
    cr.key, c?.attribute ?? '—', h('ins', { class: 'diff-new', text: showValue(c?.new) }),
  ], 'creates'));

  const missing = Array.isArray(plan.missing) ? plan.missing : [];
  appendAll(section, previewTable('Missing from JumpCloud', missing, ['Record', 'Object', 'What would happen'], (m) => [
    m.key, m.objectKey, missingAction(m),
  ], 'missing'));

  const omitted = plan.omitted ?? {};
  const notListed = [['updates', 'updates'], ['creates', 'creates'], ['missing', 'missing objects']]
    .filter(([field]) => Number(omitted[field]) > 0)
    .map(([field, words]) => `${omitted[field]} ${words}`);
  if (notListed.length) {
    section.append(h('p', { class: 'help', text: `Also planned but not listed, to keep the answer small: ${notListed.join(', ')} (counted above).` }));
  }

  appendAll(section, problemTables(report, { tense: 'would', limit: PREVIEW_ROW_LIMIT }));
  if (!updates.length && !creates.length && !missing.some((m) => m?.action === 'mark' || m?.action === 'delete')) {
    section.append(h('p', { class: 'empty', text: 'A run would change nothing: Assets already matches JumpCloud.' }));
  }
  return section;
}

/** Element.append turns null into the text "null": absent parts (empty tables) are skipped. */
function appendAll(parent, ...parts) {
  for (const part of parts.flat()) if (part) parent.append(part);
}

function missingAction(m) {
  const marks = (m?.changes ?? []).map((c) => `${c.attribute} = ${showValue(c.new)}`).join(', ');
  switch (m?.action) {
    case 'ignore': return 'Left alone';
    case 'mark': return marks ? `Marked: ${marks}` : 'Marked';
    case 'delete': return 'Deleted';
    case 'guarded': return 'Left alone: stopped by the safety guard';
    default: return showValue(m?.action);
  }
}

function previewTable(title, rows, headers, cells, kind) {
  if (!rows.length) return null;
  const shown = rows.slice(0, PREVIEW_ROW_LIMIT);
  const tableId = uid('preview-table');
  return h('div', { class: 'table-wrap' },
    h('table', { class: `table table-compact table-${kind}`, id: tableId },
      h('caption', { text: `${title} (${rows.length})` }),
      h('thead', {}, h('tr', {}, headers.map((text) => h('th', { scope: 'col', text })))),
      h('tbody', {}, shown.map((row) => h('tr', {}, cells(row).map((cell, i) =>
        i === 0 ? h('th', { scope: 'row', text: showValue(cell) }) : h('td', {}, cell instanceof Node ? cell : showValue(cell))))))),
    rows.length > shown.length ? h('p', { class: 'help', text: `…and ${rows.length - shown.length} more not shown.` }) : null);
}
