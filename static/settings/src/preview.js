// Preview: the dry run's outcome line and its field-by-field plan tables.

import { h, replaceChildren, showValue, uid } from './dom.js';
import { csvText, download, timestampForFile } from './files.js';
import { countTiles, guardNotice, problemTables, runMessage } from './report.js';

/** Rows per page of a preview table. */
const PAGE_SIZE = 50;
/** Problem rows listed (the report keeps at most 200 anyway). */
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
export function renderPreview(report, { labelAttribute = null } = {}) {
  const plan = report?.plan && typeof report.plan === 'object' ? report.plan : null;
  const section = h('section', { class: 'card preview', 'aria-label': 'Preview' },
    h('h4', { text: 'Preview: what a run would do' }),
    guardNotice(report?.guard),
    runMessage(report));
  // Without a plan (failed, unfinished or busy) the planned counts would be zeros that mean nothing.
  if (!plan) return section;
  section.append(countTiles(report.counts, PREVIEW_TILES));

  const updates = Array.isArray(plan.updates) ? plan.updates : [];
  const creates = Array.isArray(plan.creates) ? plan.creates : [];
  const missing = Array.isArray(plan.missing) ? plan.missing : [];
  // A readable name beside each JumpCloud id, where the plan carries the label attribute's value.
  const names = new Map();
  for (const item of [...creates, ...updates]) {
    const label = (item?.changes ?? []).find((c) => c?.attribute === labelAttribute);
    const value = label ? showValue(label.new) : '';
    if (value && item?.key) names.set(item.key, value);
  }
  const record = (key) => ({ key: showValue(key), name: names.get(key) ?? '' });

  const tables = [
    previewTable('Updates (old → new)', 'diff', ['Record', 'Object', 'Attribute', 'Old', 'New'],
      updates.flatMap((u) => (u?.changes ?? []).map((c) => ({
        record: record(u.key), cells: [u.objectKey, c.attribute, showValue(c.old), showValue(c.new)],
        render: [null, null, null, h('del', { class: 'diff-old', text: showValue(c.old) }), h('ins', { class: 'diff-new', text: showValue(c.new) })],
      })))),
    previewTable('Creates', 'creates', ['Record', 'Attribute', 'Value'],
      creates.flatMap((cr) => {
        const changes = Array.isArray(cr?.changes) && cr.changes.length ? cr.changes : [null];
        return changes.map((c) => ({
          record: record(cr?.key), cells: [c?.attribute ?? '—', showValue(c?.new)],
          render: [null, null, h('ins', { class: 'diff-new', text: showValue(c?.new) })],
        }));
      })),
    previewTable('Missing from JumpCloud', 'missing', ['Record', 'Object', 'What would happen'],
      missing.map((m) => ({ record: record(m?.key), cells: [m?.objectKey, missingAction(m)] }))),
  ].filter(Boolean);

  if (tables.length) section.append(previewTools(report, tables, names));
  appendAll(section, tables.map((t) => t.el));

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

/**
 * Search over every plan table (record id, name, object, attribute, values), and downloads of
 * the whole plan as CSV (one row per attribute change) and JSON (the engine's report).
 */
function previewTools(report, tables, names) {
  const searchId = uid('preview-search');
  const search = h('input', {
    type: 'search', id: searchId, class: 'input input-inline preview-search',
    placeholder: 'Name, JumpCloud id, attribute or value', 'aria-describedby': `${searchId}-found`,
  });
  const found = h('span', { class: 'help', id: `${searchId}-found`, 'aria-live': 'polite' });
  search.addEventListener('input', () => {
    const query = search.value.trim().toLowerCase();
    let shown = 0;
    for (const table of tables) shown += table.filter(query);
    found.textContent = query ? `${shown} matching row${shown === 1 ? '' : 's'}` : '';
  });
  const when = timestampForFile();
  return h('div', { class: 'preview-tools actions' },
    h('label', { for: searchId, class: 'label-like', text: 'Search' }), search, found,
    h('span', { class: 'spacer' }),
    h('button', {
      type: 'button', class: 'button button-small', text: 'Download CSV',
      onclick: () => download(`tributary-preview-${when}.csv`, 'text/csv;charset=utf-8', planCsv(report.plan, names)),
    }),
    h('button', {
      type: 'button', class: 'button button-small', text: 'Download JSON',
      onclick: () => download(`tributary-preview-${when}.json`, 'application/json', `${JSON.stringify(report, null, 2)}\n`),
    }));
}

/** The whole plan as CSV: what would happen to each attribute of each record. */
export function planCsv(plan, names = new Map()) {
  const rows = [['action', 'record', 'name', 'object', 'attribute', 'old', 'new']];
  const join = (v) => (Array.isArray(v) ? v.join('; ') : v);
  for (const c of plan?.creates ?? []) {
    for (const change of c.changes?.length ? c.changes : [{}]) rows.push(['create', c.key, names.get(c.key), '', change.attribute, '', join(change.new)]);
  }
  for (const u of plan?.updates ?? []) {
    for (const change of u.changes ?? []) rows.push(['update', u.key, names.get(u.key), u.objectKey, change.attribute, join(change.old), join(change.new)]);
  }
  for (const m of plan?.missing ?? []) {
    const changes = m.changes?.length ? m.changes : [{}];
    for (const change of changes) rows.push([m.action, m.key, names.get(m.key), m.objectKey, change.attribute, join(change.old), join(change.new)]);
  }
  return csvText(rows);
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

/**
 * A paged table of plan rows (`{record: {key, name}, cells, render?}`); `filter(query)` keeps
 * the rows whose text holds `query` and returns how many. Null when there are no rows.
 */
function previewTable(title, kind, headers, rows) {
  if (!rows.length) return null;
  const tableId = uid('preview-table');
  const caption = h('caption');
  const body = h('tbody');
  const pager = h('div', { class: 'pager actions' });
  const texts = rows.map((row) => [row.record.key, row.record.name, ...row.cells].map((c) => showValue(c)).join(' ').toLowerCase());
  let matching = rows;
  let page = 0;

  const draw = () => {
    const pages = Math.max(1, Math.ceil(matching.length / PAGE_SIZE));
    page = Math.min(page, pages - 1);
    const shown = matching.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    caption.textContent = matching.length === rows.length ? `${title} (${rows.length})` : `${title} (${matching.length} of ${rows.length})`;
    replaceChildren(body, shown.map((row) => h('tr', {},
      h('th', { scope: 'row', title: row.record.name ? `JumpCloud id ${row.record.key}` : null },
        row.record.name ? [h('span', { class: 'record-name', text: row.record.name }), ' '] : null,
        h('span', { class: 'record-id', text: row.record.key })),
      row.cells.map((cell, i) => h('td', {}, row.render?.[i + 1] ?? showValue(cell))))));
    const first = matching.length ? page * PAGE_SIZE + 1 : 0;
    replaceChildren(pager, pages > 1 ? [
      h('button', { type: 'button', class: 'button button-small', text: 'Previous', disabled: page === 0, 'aria-controls': tableId, onclick: () => { page -= 1; draw(); } }),
      h('span', { class: 'help', text: `Rows ${first}–${first + shown.length - 1} of ${matching.length}` }),
      h('button', { type: 'button', class: 'button button-small', text: 'Next', disabled: page >= pages - 1, 'aria-controls': tableId, onclick: () => { page += 1; draw(); } }),
    ] : null);
    pager.hidden = pages <= 1;
  };
  draw();
  const el = h('div', { class: 'table-wrap' },
    h('table', { class: `table table-compact table-${kind}`, id: tableId },
      caption,
      h('thead', {}, h('tr', {}, headers.map((text) => h('th', { scope: 'col', text })))),
      body),
    pager);
  return {
    el,
    filter(query) {
      matching = query ? rows.filter((_, i) => texts[i].includes(query)) : rows;
      page = 0;
      draw();
      el.hidden = Boolean(query) && !matching.length;
      return matching.length;
    },
  };
}
