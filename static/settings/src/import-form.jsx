// The add/edit form for one import: name, enabled, schedule, schema and object type pickers, the
// mapping editor (CodeMirror 6, editor.js), and Save, Format, Fetch sample, Preview, Run now,
// Delete and Close. Unsaved edits are kept as a draft in this browser and guarded on reload;
// Preview never saves; two imports cannot share a name.

import Button from '@atlaskit/button/new';
import Select from '@atlaskit/select';
import Textfield from '@atlaskit/textfield';
import Toggle from '@atlaskit/toggle';
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';

import { call } from './api.js';
import { formatTime } from './dom.js';
import { createMappingEditor } from './editor.js';
import { PolicyControls } from './policy.jsx';
import { PreviewView, previewOutcome } from './preview.jsx';
import { inProgress, phaseText } from './report.js';
import { allEntries, runSource } from './results.js';
import { SampleView } from './sample.jsx';
import { ScheduleControls } from './schedule.jsx';
import { StatusMessage, useConfirm, useFlag, useStatus } from './ui.jsx';

const EXAMPLE_MAPPING = `key:_id=JumpCloud ID
map:firstname=First Name
map:lastname=Last Name
map:email=Email
map:username=User Name
map:jobTitle=Job Title
config:api=systemusers
`;

const SAMPLE_LIMIT = 5;

/** The CodeMirror editor (editor.js) as a React component; `editorRef` gets its interface. */
function MappingEditor({ core, editorRef, onChange }) {
  const host = useRef(null);
  const changed = useRef(onChange);
  changed.current = onChange;
  useEffect(() => {
    const editor = createMappingEditor({ core, label: 'Mapping', onChange: () => changed.current?.() });
    editorRef.current = editor;
    host.current.append(editor.el);
    return () => {
      editor.el.remove();
    };
  }, []);
  return <div ref={host} className="editor-host" />;
}

/** The add/edit form for one import (`initial` null for a new one). */
export function ImportForm({ core, initial, formRef, otherNames, onSaved, onDeleted, onRunStarted, onClose }) {
  const [current, setCurrent] = useState(initial ? { ...initial } : null);
  const [name, setName] = useState(initial?.name ?? '');
  const [enabled, setEnabled] = useState(initial ? initial.enabled !== false : true);
  const [schedule, setSchedule] = useState(initial?.schedule ?? core.vocabulary.schedules[0]);
  const [schemas, setSchemas] = useState(null);
  const [schemaId, setSchemaId] = useState('');
  const [types, setTypes] = useState(null);
  const [typeId, setTypeId] = useState('');
  const [attributesJson, setAttributesJson] = useState(null);
  const [text, setText] = useState('');
  const [ready, setReady] = useState(false);
  const [saved, setSaved] = useState('');
  const [busy, setBusy] = useState(null);
  const [status, setStatus] = useStatus();
  const [results, setResults] = useState(null); // {kind: 'sample' | 'preview', ...}
  const editor = useRef(null);
  const nameInput = useRef(null);
  const schemaInput = useRef(null);
  const typeInput = useRef(null);
  const heading = useRef(null);
  const confirm = useConfirm();
  const flag = useFlag();
  const ids = { heading: useId(), name: useId(), nameHelp: useId(), enabled: useId(), schema: useId(), type: useId(), typeHelp: useId() };
  const draftKey = `tributary:draft:${initial?.id ?? 'new'}`;

  const snapshot = JSON.stringify([name, schemaId, typeId, schedule, enabled, text]);
  const dirty = ready && snapshot !== saved;
  const state = useRef({});
  state.current = { dirty, snapshot, draftKey };

  // Unsaved edits are kept in this browser, so a reload or a visit elsewhere does not lose them.
  useEffect(() => {
    if (!ready) return;
    try {
      if (dirty) localStorage.setItem(draftKey, JSON.stringify({ at: Date.now(), snapshot }));
      else localStorage.removeItem(draftKey);
    } catch {
      // Storage may be refused (private windows): the reload warning still guards the edits.
    }
  }, [ready, dirty, snapshot, draftKey]);

  // A reload or navigation away with unsaved edits asks first (the draft is kept as well).
  const guard = useRef(null);
  useEffect(() => {
    guard.current = (event) => {
      if (!state.current.dirty) return;
      event.preventDefault();
      event.returnValue = '';
    };
    const listener = (event) => guard.current?.(event);
    window.addEventListener('beforeunload', listener);
    return () => window.removeEventListener('beforeunload', listener);
  }, []);

  useEffect(() => {
    formRef.current = {
      isDirty: () => state.current.dirty,
      /** Forgets the unsaved edits (the admin chose to discard them) and stops guarding them. */
      discard() {
        removeDraft(state.current.draftKey);
        guard.current = null;
      },
    };
  }, [formRef]);

  const loadAttributes = useCallback(async (id, typeName) => {
    setAttributesJson(null);
    if (!id) {
      await editor.current.setAttributes(null);
      return;
    }
    try {
      const attributes = await call('getAttributes', { objectTypeId: id });
      const json = JSON.stringify(attributes ?? []);
      setAttributesJson(json);
      await editor.current.setAttributes(json, typeName || 'the object type');
    } catch (error) {
      setStatus('error', `${error.message} The mapping is checked for syntax only.`);
      await editor.current.setAttributes(null);
    }
  }, [setStatus]);

  const loadTypes = useCallback(async (id, selected) => {
    setTypes(null);
    setTypeId('');
    await editor.current.setAttributes(null);
    if (!id) return;
    try {
      const list = (await call('listObjectTypes', { schemaId: id })) || [];
      setTypes(list);
      const pick = list.find((t) => String(t.id) === String(selected ?? ''));
      if (pick) {
        setTypeId(String(pick.id));
        await loadAttributes(String(pick.id), pick.name);
      }
    } catch (error) {
      setTypes([]);
      setStatus('error', error.message);
    }
  }, [loadAttributes, setStatus]);

  // First load: the text, the pickers, then a kept draft if there is one.
  useEffect(() => {
    (async () => {
      const mapping = initial?.mapping ?? EXAMPLE_MAPPING;
      await editor.current.setText(mapping);
      setText(mapping);
      let schemaPick = '';
      let typePick = '';
      try {
        const list = (await call('listSchemas')) || [];
        setSchemas(list);
        const found = list.find((s) => String(s.id) === String(initial?.objectSchemaId ?? ''));
        if (found) {
          schemaPick = String(found.id);
          setSchemaId(schemaPick);
          await loadTypes(schemaPick, initial?.objectTypeId);
          typePick = initial?.objectTypeId ? String(initial.objectTypeId) : '';
        }
      } catch (error) {
        setSchemas([]);
        setStatus('error', error.message);
      }
      const first = JSON.stringify([initial?.name ?? '', schemaPick, typePick, initial?.schedule ?? core.vocabulary.schedules[0],
        initial ? initial.enabled !== false : true, mapping]);
      setSaved(first);
      const draft = storedDraft(draftKey);
      if (draft && draft.snapshot !== first) {
        await applySnapshot(draft.snapshot, schemaPick);
        setStatus('info', `Your unsaved edits from ${formatTime(draft.at)} are back. Save them, or Close to discard them.`);
      }
      setReady(true);
      heading.current?.focus();
    })();
  }, []);

  /** Puts a snapshot's values back in the form (a restored draft). */
  async function applySnapshot(snap, shownSchema) {
    const [n, sId, tId, sched, on, mapping] = JSON.parse(snap);
    setName(n);
    setSchedule(sched);
    setEnabled(on);
    if (sId && sId !== shownSchema) {
      setSchemaId(sId);
      await loadTypes(sId, tId);
    } else if (tId) {
      setTypeId(tId);
      await loadAttributes(tId);
    }
    await editor.current.setText(mapping);
    setText(mapping);
  }

  const currentImport = () => ({
    ...(current || {}),
    name: name.trim(),
    objectSchemaId: schemaId || undefined,
    objectTypeId: typeId || undefined,
    mapping: editor.current.getText(),
    schedule,
    enabled,
  });

  function missingField() {
    if (!name.trim()) return [nameInput, 'Give the import a name.'];
    const taken = otherNames(current?.id).some((other) => other.trim().toLowerCase() === name.trim().toLowerCase());
    if (taken) return [nameInput, `Another import is already called "${name.trim()}". Give this one its own name.`];
    if (!schemaId) return [schemaInput, 'Choose an Assets object schema.'];
    if (!typeId) return [typeInput, 'Choose the object type to import into.'];
    if (!editor.current.getText().trim()) return [{ current: editor.current.textarea }, 'Write the mapping: at least a key: line.'];
    return null;
  }

  /** Saves; resolves with the saved import, or null (and a message shown) when it could not. */
  async function save() {
    const missing = missingField();
    if (missing) {
      setStatus('error', missing[1]);
      missing[0].current?.focus();
      return null;
    }
    setStatus('busy', 'Saving…');
    try {
      const shown = currentImport();
      const result = await call('saveImport', { import: shown });
      const stored = result?.import ?? shown;
      setCurrent(stored);
      setSaved(JSON.stringify([name, schemaId, typeId, schedule, enabled, shown.mapping]));
      // A new import's draft was kept under "new": it is saved now.
      if (!initial) removeDraft('tributary:draft:new');
      onSaved(stored);
      const errors = (result?.diagnostics || []).filter((d) => d.severity === 'error').length;
      if (errors) {
        setStatus('error', `Saved, but the server found ${errors} error${errors === 1 ? '' : 's'} in the mapping; runs will not start until ${errors === 1 ? 'it is' : 'they are'} fixed.`);
      } else {
        setStatus('ok', 'Saved.');
        flag({ kind: 'success', title: `Import "${stored.name}" saved` });
      }
      return stored;
    } catch (error) {
      setStatus('error', error.message);
      return null;
    }
  }

  const withBusy = (what, fn) => async (...args) => {
    setBusy(what);
    try {
      return await fn(...args);
    } finally {
      setBusy(null);
    }
  };

  const onSave = withBusy('save', async (event) => {
    event?.preventDefault();
    await save();
  });

  function onFormat() {
    const result = editor.current.format();
    if (result.ok) setStatus('ok', result.changed ? 'Formatted.' : 'Already formatted.');
    else setStatus('error', result.message);
  }

  const onSample = withBusy('sample', async () => {
    setStatus('busy', 'Fetching sample records from JumpCloud…');
    try {
      // The import id only when the saved mapping is the one on screen: a resolver may read
      // the saved text for an id, and the sample must follow what the admin is editing.
      const payload = { mapping: editor.current.getText(), limit: SAMPLE_LIMIT };
      if (current?.id && !dirty) payload.importId = current.id;
      const result = await call('fetchSample', payload);
      const records = Array.isArray(result?.records) ? result.records : [];
      const total = Number.isFinite(result?.totalCount) ? ` of ${result.totalCount}` : '';
      setStatus('ok', `Fetched ${records.length}${total} sample record${records.length === 1 && !total ? '' : 's'}.`);
      editor.current.setSample(records);
      setResults({ kind: 'sample', records, request: result?.request });
    } catch (error) {
      setStatus('error', error.message);
    }
  });

  const onPreview = withBusy('preview', async () => {
    // Preview never saves: what is on screen is previewed as it is.
    const missing = missingField();
    if (missing) {
      setStatus('error', missing[1]);
      missing[0].current?.focus();
      return;
    }
    const shown = currentImport();
    setStatus('busy', 'Working out what a run would change (nothing is written, nothing saved)…');
    try {
      const preview = await call('previewImport', {
        importId: current?.id ?? 'draft',
        mapping: shown.mapping,
        ...(shown.objectSchemaId ? { objectSchemaId: shown.objectSchemaId } : {}),
        ...(shown.objectTypeId ? { objectTypeId: shown.objectTypeId } : {}),
      });
      setStatus(...previewOutcome(preview));
      setResults({ kind: 'preview', report: { importId: current?.id ?? 'draft', ...preview } });
    } catch (error) {
      setStatus('error', error.message);
    }
  });

  const onRun = withBusy('run', async () => {
    const id = current?.id && !dirty ? current.id : (await save())?.id;
    if (!id) return;
    // Say what the run will do before it does it: the dry run's counts.
    setStatus('busy', 'Working out what the run will change (nothing is written yet)…');
    let planned;
    let clears;
    try {
      planned = await settled(await call('previewImport', { importId: id }), (text) => setStatus('busy', text));
      // A background dry run keeps its plan with the run: the clears are counted from its results.
      if (!planned?.plan && planned?.runId && planned?.counts) clears = await clearsOf(runSource(id, planned.runId));
    } catch (error) {
      setStatus('error', error.message);
      return;
    }
    setStatus(null);
    const ok = await confirm({ title: 'Run this import now?', body: runSummary(planned, clears), confirmText: 'Run now', tone: 'primary' });
    if (!ok) {
      setStatus('ok', 'Nothing was run.');
      return;
    }
    setStatus('busy', 'Starting the run…');
    try {
      const { runId } = (await call('runImport', { importId: id })) || {};
      setStatus('ok', 'The run is queued; it starts within a few seconds.');
      onRunStarted?.({ importId: id, started: runId ? [{ runId, importId: id }] : [] });
    } catch (error) {
      setStatus('error', error.message);
    }
  });

  async function onDelete() {
    if (!current?.id) return;
    const ok = await confirm({
      title: 'Delete this import?',
      body: `"${current.name}" and its schedule will be removed. Objects already in Assets are left as they are.`,
      confirmText: 'Delete import',
    });
    if (!ok) return;
    setBusy('delete');
    setStatus('busy', 'Deleting…');
    try {
      await call('deleteImport', { id: current.id });
      removeDraft(draftKey);
      onDeleted(current.id);
    } catch (error) {
      setStatus('error', error.message);
      setBusy(null);
    }
  }

  const schemaOptions = useMemo(() => (schemas ?? []).map((s) => ({
    value: String(s.id), label: s.objectSchemaKey ? `${s.name} (${s.objectSchemaKey})` : s.name,
  })), [schemas]);
  const typeOptions = useMemo(() => (types ?? []).map((t) => ({ value: String(t.id), label: t.name })), [types]);
  const typeName = typeOptions.find((t) => t.value === typeId)?.label;
  const replaceText = async (next) => {
    await editor.current.setText(next);
    setText(next);
  };

  return (
    <form className="import-form card" aria-labelledby={ids.heading} noValidate onSubmit={onSave}>
      <h3 id={ids.heading} ref={heading} tabIndex={-1}>{current ? `Edit import: ${current.name || '(unnamed)'}` : 'New import'}</h3>
      <div className="grid-2">
        <div className="field">
          <label htmlFor={ids.name}>Name</label>
          <Textfield id={ids.name} ref={nameInput} autoComplete="off" value={name} onChange={(e) => setName(e.target.value)}
            aria-describedby={ids.nameHelp} />
          <p className="help" id={ids.nameHelp}>For you: shown in the list and the run history.</p>
        </div>
        <div className="field toggle-field">
          <label htmlFor={ids.enabled}>Enabled</label>
          <Toggle id={ids.enabled} isChecked={enabled} onChange={() => setEnabled(!enabled)} label="Enabled" />
          <p className="help">{enabled ? 'Runs on its schedule.' : 'Paused: runs only with Run now.'}</p>
        </div>
      </div>
      <ScheduleControls core={core} value={schedule} onChange={setSchedule}
        lastStartedMs={typeof current?.lastRun === 'object' ? current?.lastRun?.startedAt : undefined} />
      <div className="grid-2">
        <div className="field">
          <label htmlFor={ids.schema}>Assets object schema</label>
          <Select classNamePrefix="tb-select" inputId={ids.schema} ref={schemaInput} options={schemaOptions} isLoading={!schemas}
            placeholder={schemas && !schemas.length ? 'No object schemas found' : 'Choose a schema'}
            value={schemaOptions.find((o) => o.value === schemaId) ?? null}
            onChange={(o) => {
              setSchemaId(o.value);
              loadTypes(o.value, null);
            }} />
        </div>
        <div className="field">
          <label htmlFor={ids.type}>Object type</label>
          <Select classNamePrefix="tb-select" inputId={ids.type} ref={typeInput} options={typeOptions} isDisabled={!schemaId || !types}
            placeholder={!schemaId ? 'Pick a schema first' : !types ? 'Loading object types…' : types.length ? 'Choose an object type' : 'This schema has no object types'}
            value={typeOptions.find((o) => o.value === typeId) ?? null}
            aria-describedby={ids.typeHelp}
            onChange={(o) => {
              setTypeId(o.value);
              loadAttributes(o.value, o.label);
            }} />
          <p className="help" id={ids.typeHelp}>The mapping is checked against this type’s attributes.</p>
        </div>
      </div>
      <MappingEditor core={core} editorRef={editor} onChange={() => setText(editor.current.getText())} />
      <PolicyControls text={text} onText={replaceText} actions={core.vocabulary.missingActions} />
      <div className="actions form-actions">
        <Button type="submit" appearance="primary" isLoading={busy === 'save'} aria-label={dirty ? 'Save (unsaved changes)' : 'Save'}>
          {dirty ? 'Save*' : 'Save'}
        </Button>
        <Button onClick={onFormat} isDisabled={!core.canFormat()}>Format</Button>
        <Button onClick={onSample} isLoading={busy === 'sample'}>Fetch sample</Button>
        <Button onClick={onPreview} isLoading={busy === 'preview'}>Preview</Button>
        <Button onClick={onRun} isLoading={busy === 'run'}>Run now</Button>
        <span className="spacer" />
        {current && <Button appearance="danger" onClick={onDelete} isLoading={busy === 'delete'}>Delete</Button>}
        <Button appearance="subtle" onClick={onClose}>Close</Button>
      </div>
      {!core.canFormat() && <p className="help">Format runs in the browser, and the in-browser core is not available here.</p>}
      <StatusMessage status={status} />
      <div className="results">
        {results?.kind === 'sample' && (
          <SampleView records={results.records} request={results.request} core={core} text={text}
            attributesJson={attributesJson} typeName={typeName}
            onPickField={(path) => editor.current.appendLine(`map:${path}=`, { complete: true })} />
        )}
        {results?.kind === 'preview' && (
          <PreviewView report={results.report} onFinished={(record) => setStatus(...previewOutcome(record))} />
        )}
      </div>
    </form>
  );
}

function storedDraft(key) {
  try {
    const draft = JSON.parse(localStorage.getItem(key) ?? 'null');
    return draft && typeof draft.snapshot === 'string' ? draft : null;
  } catch {
    return null;
  }
}

function removeDraft(key) {
  try {
    localStorage.removeItem(key);
  } catch {
    // Nothing was kept.
  }
}

/** How many values `updates` (plan or result entries) would clear (write empty over a value). */
function countClears(updates) {
  return updates.reduce((n, u) => n + (u.changes ?? []).filter((ch) => (ch.new ?? []).length === 0).length, 0);
}

/** The clears of a background dry run, from every update it planned. */
async function clearsOf(source) {
  return countClears(await allEntries((query) => source({ ...query, kind: 'update' })));
}

/**
 * Waits for a dry run that went on in the background (`status: running` and a `runId`),
 * polling `getRun` every ~2 s and telling `progress(text)` how far it is; answers the record.
 */
async function settled(report, progress, pollMs = 2000) {
  let record = report;
  while (inProgress(record?.status) && record?.runId) {
    const done = Number(record.progress?.done) || 0;
    const total = Number(record.progress?.total) || 0;
    progress(`Working out what the run will change: ${phaseText(record.phase).toLowerCase()}${total ? `, ${done} of ${total}` : ''}… (nothing is written yet)`);
    await new Promise((resolve) => { setTimeout(resolve, pollMs); });
    const latest = await call('getRun', { importId: record.importId, runId: record.runId });
    if (!latest) break;
    record = { ...record, ...latest };
  }
  return record;
}

/**
 * What a run will do, from its dry run's counts, in one sentence for the confirmation; `clears`
 * when the dry run's plan is not in the answer (a background preview).
 */
export function runSummary(preview, clearsCounted) {
  const c = preview?.counts ?? {};
  const finished = ['succeeded', 'partial', 'stopped'].includes(preview?.status);
  if (!preview?.plan && !(finished && Number.isFinite(clearsCounted))) {
    return `The preview could not say what the run would change${preview?.message ? ` (${preview.message})` : ''}. Run it anyway?`;
  }
  const clears = preview.plan ? countClears(preview.plan.updates ?? []) : clearsCounted;
  const parts = [
    `create ${c.created ?? 0}`,
    `update ${c.updated ?? 0}`,
    `clear ${clears} value${clears === 1 ? '' : 's'}`,
    `retire ${(c.marked ?? 0) + (c.deleted ?? 0)} (mark ${c.marked ?? 0}, delete ${c.deleted ?? 0})`,
  ];
  const guarded = preview.guard?.reason ? ` A safety guard will hold some of it back: ${preview.guard.reason}.` : '';
  const failing = c.failed ? ` ${c.failed} record${c.failed === 1 ? '' : 's'} would fail.` : '';
  return `The run will ${parts.join(', ')} Assets objects.${failing}${guarded}`;
}
