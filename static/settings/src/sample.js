// Fetch sample: the sample records as raw JSON, and what the mapping makes of each.

import { h, replaceChildren, showValue, uid } from './dom.js';
import { fieldPaths } from './mapping-language.js';

/**
 * Raw JSON of the sample records, one at a time, plus what the current mapping makes of it
 * when the browser core can tell. Returns `{el, refresh}`; `refresh()` re-maps after an edit.
 */
export function renderSample(records, { core, getText, getAttributes, request, onPickField }) {
  // The request JumpCloud was sent (path and query, never a header): what the import reads.
  const requestLine = typeof request === 'string' && request
    ? h('p', { class: 'help sample-request' }, 'Request: ', h('code', { text: request }))
    : null;
  if (!records.length) {
    return {
      el: h('section', { class: 'card sample', 'aria-label': 'Sample records' },
        h('h4', { text: 'Sample records' }),
        requestLine,
        h('p', { class: 'empty', text: 'JumpCloud returned no records for this api and filter.' })),
      refresh() {},
    };
  }
  const pick = h('select', { class: 'input input-inline' },
    records.map((record, i) => h('option', { value: String(i), text: `Record ${i + 1} of ${records.length}${recordName(record)}` })));
  const raw = h('pre', { class: 'code-block', tabindex: '0', 'aria-label': 'Raw JumpCloud JSON' });
  const mapped = h('div', { class: 'sample-mapped' });
  const pickId = uid('sample-pick');
  pick.id = pickId;

  function show() {
    const record = records[Number(pick.value)];
    raw.textContent = JSON.stringify(record, null, 2);
    if (!core.canPreviewRecord()) {
      mapped.replaceChildren();
      return;
    }
    let result;
    try {
      result = core.previewRecord(getText(), record, getAttributes());
    } catch (error) {
      replaceChildren(mapped, h('p', { class: 'status status-error', text: `This record could not be mapped: ${error?.message || error}` }));
      return;
    }
    replaceChildren(mapped, h('h5', { text: 'What the mapping makes of it' }), renderRecordPreview(result));
  }
  pick.addEventListener('change', show);
  show();
  return {
    el: h('section', { class: 'card sample', 'aria-label': 'Sample records' },
      h('h4', { text: 'Sample records (raw JumpCloud JSON)' }),
      requestLine,
      h('div', { class: 'inline' }, h('label', { for: pickId, text: 'Show' }), pick),
      h('div', { class: 'grid-2 sample-grid' }, raw, mapped),
      onPickField ? fieldList(records, onPickField) : null),
    refresh: show,
  };
}

/** The sample's field paths, each a button that adds a `map:` row for it. */
function fieldList(records, onPickField) {
  const paths = fieldPaths(records, 2);
  return h('details', { class: 'sample-fields', open: true },
    h('summary', { text: `Fields in these records (${paths.length}): click one to map it` }),
    h('ul', { class: 'field-list' }, paths.map((path) => h('li', {},
      h('button', {
        type: 'button', class: 'link-button field-pick', text: path,
        'aria-label': `Map ${path}`, onclick: () => onPickField(path),
      })))));
}

function recordName(record) {
  const label = record?.username || record?.displayName || record?.hostname || record?.name || record?.email;
  return label ? ` — ${label}` : '';
}

/**
 * The browser core's single-record preview: `{key, values: [{attribute, values: [{type, value,
 * canonical}]}], errors: [{attribute, line, message}], diagnostics}`.
 */
function renderRecordPreview(result) {
  const parts = [];
  if ((result?.diagnostics ?? []).some((d) => d.severity === 'error')) {
    parts.push(h('p', { class: 'help', text: 'Fix the errors in the mapping to see what it makes of this record.' }));
  }
  const rows = Array.isArray(result?.values) ? result.values : [];
  if (rows.length) {
    parts.push(h('table', { class: 'table table-compact table-record' },
      h('caption', { text: result.key !== undefined && result.key !== null ? `Key: ${showValue(result.key)}` : 'Values' }),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Attribute' }), h('th', { scope: 'col', text: 'Value' }))),
      h('tbody', {}, rows.map((row) => h('tr', {},
        h('th', { scope: 'row', text: row.attribute }),
        h('td', { text: (row.values ?? []).map(cellText).join(', ') || '—' }))))));
  }
  const errors = result?.errors ?? [];
  if (errors.length) {
    parts.push(h('ul', { class: 'problems' }, errors.map((e) =>
      h('li', { class: 'status-error', text: [e.attribute, e.message].filter(Boolean).join(': ') }))));
  }
  if (!parts.length) parts.push(h('p', { class: 'empty', text: 'The mapping writes no values for this record.' }));
  return parts;
}

function cellText(value) {
  const text = showValue(value?.canonical ?? value?.value ?? value);
  // References and users are resolved during the run; say so instead of showing a bare id.
  return /lookup|pending/i.test(value?.type ?? '') ? `${text} (looked up when the import runs)` : text;
}
