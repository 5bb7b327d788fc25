// Imports: the list, and the add/edit form with the mapping editor, Fetch sample, Preview,
// Run now, schedule and delete.

import { call } from './api.js';
import { field, formatTime, h, replaceChildren, showValue, statusLine, uid, whileBusy } from './dom.js';
import { createMappingEditor } from './editor.js';
import { countTiles, guardNotice, problemTables, runMessage, statusText, toMillis } from './report.js';

const SCHEDULES = [
  ['manual', 'Manual only'],
  ['hourly', 'Every hour'],
  ['daily', 'Every day'],
  ['weekly', 'Every week'],
];

const EXAMPLE_MAPPING = `key:_id=JumpCloud ID
map:firstname=First Name
map:lastname=Last Name
map:email=Email
map:username=User Name
map:jobTitle=Job Title
config:api=systemusers
`;

/** Rows shown per preview table before "and N more". */
const PREVIEW_ROW_LIMIT = 200;
const SAMPLE_LIMIT = 5;

/**
 * The Imports panel. `onRunStarted(importId, runId)` is called after *Run now*.
 * `load()` fetches the list.
 */
export function createImportsPanel({ core, onRunStarted }) {
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
      replaceChildren(listBody, h('p', { class: 'empty', text: 'No imports yet. Add one to start syncing JumpCloud into Assets.' }));
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

  function openForm(imp) {
    form = createImportForm({
      core,
      initial: imp,
      confirm: confirmDialog.ask,
      onSaved(saved) {
        const index = imports.findIndex((i) => i.id === saved.id);
        if (index >= 0) imports[index] = saved;
        else imports.push(saved);
        renderList();
      },
      onDeleted(id) {
        imports = imports.filter((i) => i.id !== id);
        renderList();
        closeForm();
        listStatus.set('ok', 'The import was deleted.');
      },
      onRunStarted,
      onClose: closeForm,
    });
    replaceChildren(formHost, form.el);
    form.focus();
  }

  function closeForm() {
    form = null;
    formHost.replaceChildren();
    addButton.focus();
  }

  // `refresh` re-reads the last runs when the admin comes back to the tab (a run may have ended).
  return { el, load, refresh: loadLastRuns };
}

function scheduleLabel(schedule) {
  return (SCHEDULES.find(([value]) => value === schedule) || [null, 'Manual only'])[1];
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

/** The add/edit form for one import. */
function createImportForm({ core, initial, confirm, onSaved, onDeleted, onRunStarted, onClose }) {
  let current = initial ? { ...initial } : null; // the saved version, if any
  const headingId = uid('import-heading');

  const name = h('input', { type: 'text', class: 'input', autocomplete: 'off', value: initial?.name ?? '' });
  const schema = h('select', { class: 'input' }, h('option', { value: '', text: 'Loading schemas…' }));
  const objectType = h('select', { class: 'input', disabled: true }, h('option', { value: '', text: 'Pick a schema first' }));
  const schedule = h('select', { class: 'input' }, SCHEDULES.map(([value, text]) => h('option', { value, text })));
  schedule.value = initial?.schedule ?? 'manual';
  const enabled = h('input', { type: 'checkbox', checked: initial ? initial.enabled !== false : true });
  const enabledId = uid('enabled');
  enabled.id = enabledId;

  let sampleView = null; // the fetched sample, re-mapped as the mapping changes
  const editor = createMappingEditor({
    core,
    label: 'Mapping',
    onChange() {
      markDirty();
      sampleView?.refresh();
    },
  });
  const status = statusLine();
  const results = h('div', { class: 'results' });

  const saveButton = h('button', { type: 'submit', class: 'button button-primary', text: 'Save' });
  const formatButton = h('button', { type: 'button', class: 'button', text: 'Format' });
  const sampleButton = h('button', { type: 'button', class: 'button', text: 'Fetch sample' });
  const previewButton = h('button', { type: 'button', class: 'button', text: 'Preview' });
  const runButton = h('button', { type: 'button', class: 'button', text: 'Run now' });
  const deleteButton = h('button', { type: 'button', class: 'button button-danger', text: 'Delete' });
  const closeButton = h('button', { type: 'button', class: 'button button-subtle', text: 'Close', onclick: onClose });

  if (!core.canFormat()) {
    formatButton.disabled = true;
    formatButton.title = 'Formatting runs in the browser, and the in-browser core is not available.';
  }

  const heading = h('h3', { id: headingId, tabindex: '-1' });
  const el = h('form', { class: 'import-form card', 'aria-labelledby': headingId, novalidate: true, onsubmit: onSave },
    heading,
    h('div', { class: 'grid-2' },
      field('Name', name, 'For you: shown in the list and the run history.'),
      h('div', { class: 'field' },
        h('span', { class: 'label-like', id: uid('sched-label'), text: 'Schedule' }),
        h('div', { class: 'inline' }, schedule,
          h('label', { class: 'checkbox', for: enabledId }, enabled, ' Enabled')))),
    h('div', { class: 'grid-2' },
      field('Assets object schema', schema),
      field('Object type', objectType, 'The mapping is checked against this type\u2019s attributes.')),
    editor.el,
    h('div', { class: 'actions' }, saveButton, formatButton, sampleButton, previewButton, runButton,
      h('span', { class: 'spacer' }), deleteButton, closeButton),
    status.el,
    results);
  schedule.setAttribute('aria-labelledby', el.querySelector('.label-like').id);

  let savedSnapshot = '';
  function snapshot() {
    return JSON.stringify([name.value, schema.value, objectType.value, schedule.value, enabled.checked, editor.getText()]);
  }
  function markDirty() {
    const dirty = snapshot() !== savedSnapshot;
    saveButton.textContent = dirty ? 'Save*' : 'Save';
    saveButton.setAttribute('aria-label', dirty ? 'Save (unsaved changes)' : 'Save');
  }
  function refreshHeading() {
    heading.textContent = current ? `Edit import: ${current.name || '(unnamed)'}` : 'New import';
    deleteButton.hidden = !current;
  }
  for (const control of [name, schedule, enabled]) control.addEventListener('input', markDirty);
  for (const control of [schedule, enabled]) control.addEventListener('change', markDirty);

  refreshHeading();
  editor.setText(initial?.mapping ?? EXAMPLE_MAPPING);

  // Pickers: schemas, then the schema's object types, then the type's attributes.
  schema.addEventListener('change', async () => {
    markDirty();
    await loadObjectTypes(schema.value, null);
  });
  objectType.addEventListener('change', async () => {
    markDirty();
    await loadAttributes(objectType.value);
  });

  async function loadSchemas(selected) {
    try {
      const schemas = (await call('listSchemas')) || [];
      replaceChildren(schema,
        h('option', { value: '', text: schemas.length ? 'Choose a schema' : 'No object schemas found' }),
        schemas.map((s) => h('option', { value: String(s.id), text: s.objectSchemaKey ? `${s.name} (${s.objectSchemaKey})` : s.name })));
      if (selected != null) schema.value = String(selected);
      return Boolean(selected != null && schema.value);
    } catch (error) {
      replaceChildren(schema, h('option', { value: '', text: 'Could not load schemas' }));
      status.set('error', error.message);
      return false;
    }
  }

  async function loadObjectTypes(schemaId, selected) {
    editor.setAttributes(null);
    if (!schemaId) {
      objectType.disabled = true;
      replaceChildren(objectType, h('option', { value: '', text: 'Pick a schema first' }));
      return;
    }
    objectType.disabled = true;
    replaceChildren(objectType, h('option', { value: '', text: 'Loading object types…' }));
    try {
      const types = (await call('listObjectTypes', { schemaId })) || [];
      replaceChildren(objectType,
        h('option', { value: '', text: types.length ? 'Choose an object type' : 'This schema has no object types' }),
        types.map((t) => h('option', { value: String(t.id), text: t.name })));
      objectType.disabled = false;
      if (selected != null) {
        objectType.value = String(selected);
        if (objectType.value) await loadAttributes(objectType.value);
      }
    } catch (error) {
      replaceChildren(objectType, h('option', { value: '', text: 'Could not load object types' }));
      status.set('error', error.message);
    }
  }

  let attributesJson = null;
  async function loadAttributes(typeId) {
    attributesJson = null;
    if (!typeId) {
      await editor.setAttributes(null);
      return;
    }
    try {
      const attributes = await call('getAttributes', { objectTypeId: typeId });
      attributesJson = JSON.stringify(attributes ?? []);
      const typeName = objectType.selectedOptions[0]?.textContent || 'the object type';
      await editor.setAttributes(attributesJson, typeName);
      sampleView?.refresh();
    } catch (error) {
      status.set('error', `${error.message} The mapping is checked for syntax only.`);
      await editor.setAttributes(null);
    }
  }

  (async () => {
    const hasSchema = await loadSchemas(initial?.objectSchemaId);
    if (hasSchema) await loadObjectTypes(schema.value, initial?.objectTypeId);
    savedSnapshot = initial ? snapshot() : '';
    markDirty();
  })();

  function currentImport() {
    return {
      ...(current || {}),
      name: name.value.trim(),
      objectSchemaId: schema.value || undefined,
      objectTypeId: objectType.value || undefined,
      mapping: editor.getText(),
      schedule: schedule.value,
      enabled: enabled.checked,
    };
  }

  function missingFields() {
    if (!name.value.trim()) return [name, 'Give the import a name.'];
    if (!schema.value) return [schema, 'Choose an Assets object schema.'];
    if (!objectType.value) return [objectType, 'Choose the object type to import into.'];
    if (!editor.getText().trim()) return [editor.textarea, 'Write the mapping: at least a key: line.'];
    return null;
  }

  /** Saves; resolves with the saved import, or null (and a message shown) when it could not. */
  async function save() {
    const missing = missingFields();
    if (missing) {
      status.set('error', missing[1]);
      missing[0].focus();
      return null;
    }
    status.set('busy', 'Saving…');
    try {
      const result = await call('saveImport', { import: currentImport() });
      current = result?.import ?? currentImport();
      savedSnapshot = snapshot();
      markDirty();
      refreshHeading();
      onSaved(current);
      const errors = (result?.diagnostics || []).filter((d) => d.severity === 'error').length;
      if (errors) {
        status.set('error', `Saved, but the server found ${errors} error${errors === 1 ? '' : 's'} in the mapping; runs will not start until ${errors === 1 ? 'it is' : 'they are'} fixed.`);
      } else status.set('ok', 'Saved.');
      return current;
    } catch (error) {
      status.set('error', error.message);
      return null;
    }
  }

  /** The saved import id, saving first when there are unsaved changes. */
  async function ensureSaved() {
    if (current?.id && snapshot() === savedSnapshot) return current.id;
    const saved = await save();
    return saved?.id ?? null;
  }

  async function onSave(event) {
    event.preventDefault();
    await whileBusy(saveButton, save);
  }

  formatButton.addEventListener('click', () => {
    const result = editor.format();
    if (result.ok) status.set('ok', result.changed ? 'Formatted.' : 'Already formatted.');
    else status.set('error', result.message);
  });

  sampleButton.addEventListener('click', () => whileBusy(sampleButton, async () => {
    status.set('busy', 'Fetching sample records from JumpCloud…');
    try {
      // The import id only when the saved mapping is the one on screen: a resolver may read
      // the saved text for an id, and the sample must follow what the admin is editing.
      const payload = { mapping: editor.getText(), limit: SAMPLE_LIMIT };
      if (current?.id && snapshot() === savedSnapshot) payload.importId = current.id;
      const result = await call('fetchSample', payload);
      const records = Array.isArray(result?.records) ? result.records : [];
      const total = Number.isFinite(result?.totalCount) ? ` of ${result.totalCount}` : '';
      status.set('ok', `Fetched ${records.length}${total} sample record${records.length === 1 && !total ? '' : 's'}.`);
      sampleView = renderSample(records, { core, getText: editor.getText, getAttributes: () => attributesJson, request: result?.request });
      replaceChildren(results, sampleView.el);
    } catch (error) {
      status.set('error', error.message);
    }
  }));

  previewButton.addEventListener('click', () => whileBusy(previewButton, async () => {
    const id = await ensureSaved();
    if (!id) return;
    status.set('busy', 'Working out what a run would change (nothing is written)…');
    try {
      const preview = await call('previewImport', { importId: id });
      status.set(...previewOutcome(preview));
      sampleView = null;
      replaceChildren(results, renderPreview(preview));
    } catch (error) {
      status.set('error', error.message);
    }
  }));

  runButton.addEventListener('click', () => whileBusy(runButton, async () => {
    const id = await ensureSaved();
    if (!id) return;
    status.set('busy', 'Starting the run…');
    try {
      const { runId } = (await call('runImport', { importId: id })) || {};
      status.set('ok', 'The run is queued; it starts within a few seconds.');
      onRunStarted?.(id, runId);
    } catch (error) {
      status.set('error', error.message);
    }
  }));

  deleteButton.addEventListener('click', async () => {
    if (!current?.id) return;
    const ok = await confirm({
      title: 'Delete this import?',
      body: `"${current.name}" and its schedule will be removed. Objects already in Assets are left as they are.`,
      confirmText: 'Delete import',
    });
    if (!ok) {
      deleteButton.focus();
      return;
    }
    await whileBusy(deleteButton, async () => {
      status.set('busy', 'Deleting…');
      try {
        await call('deleteImport', { id: current.id });
        onDeleted(current.id);
      } catch (error) {
        status.set('error', error.message);
      }
    });
  });

  return {
    el,
    focus: () => heading.focus(),
  };
}

/**
 * Raw JSON of the sample records, one at a time, plus what the current mapping makes of it
 * when the browser core can tell. Returns `{el, refresh}`; `refresh()` re-maps after an edit.
 */
function renderSample(records, { core, getText, getAttributes, request }) {
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
      h('div', { class: 'grid-2 sample-grid' }, raw, mapped)),
    refresh: show,
  };
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

/** A modal confirm built on <dialog> (sandboxed iframes block window.confirm). */
function createConfirmDialog() {
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
    ask({ title: t, body: b, confirmText }) {
      title.textContent = t;
      body.textContent = b;
      ok.textContent = confirmText;
      el.showModal();
      cancel.focus(); // the safe choice has focus
      return new Promise((r) => { resolve = r; });
    },
  };
}
