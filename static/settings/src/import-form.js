// The add/edit form for one import: name, schedule, schema and object type pickers, the
// mapping editor, and Save, Format, Fetch sample, Preview, Run now and Delete.

import { call } from './api.js';
import { field, formatTime, h, replaceChildren, statusLine, uid, whileBusy } from './dom.js';
import { createMappingEditor } from './editor.js';
import { SCHEDULE_LABELS } from './labels.js';
import { previewOutcome, renderPreview } from './preview.js';
import { renderSample } from './sample.js';

const EXAMPLE_MAPPING = `key:_id=JumpCloud ID
map:firstname=First Name
map:lastname=Last Name
map:email=Email
map:username=User Name
map:jobTitle=Job Title
config:api=systemusers
`;

const SAMPLE_LIMIT = 5;

/** The add/edit form for one import. */
export function createImportForm({ core, initial, confirm, onSaved, onDeleted, onRunStarted, onClose, otherNames = () => [] }) {
  let current = initial ? { ...initial } : null; // the saved version, if any
  const headingId = uid('import-heading');

  const name = h('input', { type: 'text', class: 'input', autocomplete: 'off', value: initial?.name ?? '' });
  const schema = h('select', { class: 'input' }, h('option', { value: '', text: 'Loading schemas…' }));
  const objectType = h('select', { class: 'input', disabled: true }, h('option', { value: '', text: 'Pick a schema first' }));
  // The schedules and their order are the core's; the page only has words for them.
  const schedules = core.vocabulary.schedules;
  const schedule = h('select', { class: 'input' },
    schedules.map((value) => h('option', { value, text: SCHEDULE_LABELS[value] ?? value })));
  schedule.value = initial?.schedule ?? schedules[0];
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
  const closeButton = h('button', { type: 'button', class: 'button button-subtle', text: 'Close', onclick: () => onClose() });

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
  let ready = false; // the pickers have loaded: snapshots compare like with like
  const draftKey = `tributary:draft:${initial?.id ?? 'new'}`;
  const isDirty = () => ready && snapshot() !== savedSnapshot;
  function markDirty() {
    const dirty = isDirty();
    saveButton.textContent = dirty ? 'Save*' : 'Save';
    saveButton.setAttribute('aria-label', dirty ? 'Save (unsaved changes)' : 'Save');
    keepDraft(dirty);
  }
  /** Unsaved edits are kept in this browser, so a reload or a visit elsewhere does not lose them. */
  function keepDraft(dirty) {
    try {
      if (dirty) localStorage.setItem(draftKey, JSON.stringify({ at: Date.now(), snapshot: snapshot() }));
      else localStorage.removeItem(draftKey);
    } catch {
      // Storage may be refused (private windows): the reload warning still guards the edits.
    }
  }
  function storedDraft() {
    try {
      const draft = JSON.parse(localStorage.getItem(draftKey) ?? 'null');
      return draft && typeof draft.snapshot === 'string' ? draft : null;
    } catch {
      return null;
    }
  }
  /** Puts a snapshot's values back in the form (a restored draft). */
  async function applySnapshot(text) {
    const [n, schemaId, typeId, sched, on, mapping] = JSON.parse(text);
    name.value = n;
    schedule.value = sched;
    enabled.checked = on;
    if (schemaId && schemaId !== schema.value) {
      schema.value = schemaId;
      await loadObjectTypes(schemaId, typeId);
    } else if (typeId && typeId !== objectType.value) {
      objectType.value = typeId;
      objectType.dispatchEvent(new Event('change'));
    }
    await editor.setText(mapping);
    sampleView?.refresh();
  }
  // A reload or navigation away with unsaved edits asks first (the draft is kept as well).
  const warnBeforeLeaving = (event) => {
    if (!isDirty()) return;
    event.preventDefault();
    event.returnValue = '';
  };
  window.addEventListener('beforeunload', warnBeforeLeaving);
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
    savedSnapshot = snapshot();
    const draft = storedDraft();
    if (draft && draft.snapshot !== savedSnapshot) {
      await applySnapshot(draft.snapshot);
      status.set('info', `Your unsaved edits from ${formatTime(draft.at)} are back. Save them, or Close to discard them.`);
    }
    ready = true;
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
    const taken = otherNames(current?.id).some((other) => other.trim().toLowerCase() === name.value.trim().toLowerCase());
    if (taken) return [name, `Another import is already called "${name.value.trim()}". Give this one its own name.`];
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
      // A new import's draft was kept under "new": it is saved now.
      if (!initial) keepDraftGone('tributary:draft:new');
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
      editor.setSample(records);
      sampleView = renderSample(records, {
        core, getText: editor.getText, getAttributes: () => attributesJson, request: result?.request,
        // A new `map:` row for the field, the cursor after `=`, attribute names offered.
        onPickField: (path) => editor.appendLine(`map:${path}=`, { complete: true }),
      });
      replaceChildren(results, sampleView.el);
    } catch (error) {
      status.set('error', error.message);
    }
  }));

  previewButton.addEventListener('click', () => whileBusy(previewButton, async () => {
    // Preview never saves: what is on screen is previewed as it is.
    const missing = missingFields();
    if (missing) {
      status.set('error', missing[1]);
      missing[0].focus();
      return;
    }
    const shown = currentImport();
    status.set('busy', 'Working out what a run would change (nothing is written, nothing saved)…');
    try {
      const preview = await call('previewImport', {
        importId: current?.id ?? 'draft',
        mapping: shown.mapping,
        ...(shown.objectSchemaId ? { objectSchemaId: shown.objectSchemaId } : {}),
        ...(shown.objectTypeId ? { objectTypeId: shown.objectTypeId } : {}),
      });
      status.set(...previewOutcome(preview));
      sampleView = null;
      replaceChildren(results, renderPreview(preview, { labelAttribute: labelAttributeOf(attributesJson) }));
    } catch (error) {
      status.set('error', error.message);
    }
  }));

  runButton.addEventListener('click', () => whileBusy(runButton, async () => {
    const id = await ensureSaved();
    if (!id) return;
    // Say what the run will do before it does it: the dry run's counts.
    status.set('busy', 'Working out what the run will change (nothing is written yet)…');
    let planned;
    try {
      planned = await call('previewImport', { importId: id });
    } catch (error) {
      status.set('error', error.message);
      return;
    }
    status.clear();
    const ok = await confirm({
      title: 'Run this import now?',
      body: runSummary(planned),
      confirmText: 'Run now',
      tone: 'primary',
    });
    if (!ok) {
      status.set('ok', 'Nothing was run.');
      runButton.focus();
      return;
    }
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
    isDirty,
    /** Forgets the unsaved edits (the admin chose to discard them) and stops guarding them. */
    discard() {
      keepDraftGone(draftKey);
      window.removeEventListener('beforeunload', warnBeforeLeaving);
    },
  };
}

function keepDraftGone(key) {
  try {
    localStorage.removeItem(key);
  } catch {
    // Nothing was kept.
  }
}

/** What a run will do, from its dry run's counts, in one sentence for the confirmation. */
export function runSummary(preview) {
  const c = preview?.counts ?? {};
  if (!preview?.plan) {
    return `The preview could not say what the run would change${preview?.message ? ` (${preview.message})` : ''}. Run it anyway?`;
  }
  const clears = (preview.plan.updates ?? []).reduce((n, u) => n + (u.changes ?? []).filter((ch) => (ch.new ?? []).length === 0).length, 0);
  const parts = [
    `create ${c.created ?? 0}`,
    `update ${c.updated ?? 0}`,
    `clear ${clears} value${clears === 1 ? '' : 's'}`,
    `retire ${(c.marked ?? 0) + (c.deleted ?? 0)} (mark ${c.marked ?? 0}, delete ${c.deleted ?? 0})`,
  ];
  const guard = preview.guard?.reason ? ` A safety guard will hold some of it back: ${preview.guard.reason}.` : '';
  const failing = c.failed ? ` ${c.failed} record${c.failed === 1 ? '' : 's'} would fail.` : '';
  return `The run will ${parts.join(', ')} Assets objects.${failing}${guard}`;
}

/** The name of the object type's label attribute (what Assets shows as an object's name), if known. */
function labelAttributeOf(attributesJson) {
  try {
    return JSON.parse(attributesJson ?? '[]').find((a) => a?.label === true)?.name ?? null;
  } catch {
    return null;
  }
}
