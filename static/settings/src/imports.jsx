// Imports: the list of imports (each one's schedule and newest run), Add and Edit opening the
// form (import-form.jsx), and *Run all*: every enabled import, in reference order.

import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import EmptyState from '@atlaskit/empty-state';
import { useCallback, useEffect, useRef, useState } from 'react';

import { call } from './api.js';
import { formatTime } from './dom.js';
import { ImportForm } from './import-form.jsx';
import { toMillis } from './report.js';
import { scheduleText } from './schedule.jsx';
import { StatusLozenge, StatusMessage, useConfirm, useFlag, useStatus } from './ui.jsx';

/**
 * The Imports panel. `onRunStarted({importId?, started})` is called after *Run now* / *Run all*;
 * `onConnect()` opens the Connection tab.
 */
export function ImportsPanel({ core, active, onRunStarted, onConnect }) {
  const [imports, setImports] = useState(null);
  const [connected, setConnected] = useState(true);
  const [lastRuns, setLastRuns] = useState(null);
  const [editing, setEditing] = useState(null); // {initial: import | null, n}
  const [status, setStatus] = useStatus();
  const [runningAll, setRunningAll] = useState(false);
  const confirm = useConfirm();
  const flag = useFlag();
  const form = useRef(null); // {isDirty(), discard()} of the open form
  const addButton = useRef(null);
  const opened = useRef(0);

  /** The imports list has no run data: the newest run of each comes from the history. */
  const loadLastRuns = useCallback(async () => {
    try {
      const runs = await call('listRuns', {});
      const newest = new Map();
      for (const run of Array.isArray(runs) ? runs : []) {
        const seen = newest.get(run?.importId);
        if (!seen || toMillis(run.startedAt) > toMillis(seen.startedAt)) newest.set(run.importId, run);
      }
      setLastRuns(newest);
    } catch {
      setLastRuns(new Map()); // the column is informational; the Run history tab reports errors
    }
  }, []);

  const load = useCallback(async () => {
    setStatus('busy', 'Loading imports…');
    try {
      const list = (await call('listImports')) || [];
      // With nothing to list, the next step depends on whether JumpCloud is connected yet.
      if (!list.length) setConnected(Boolean((await call('getConnection').catch(() => null))?.hasApiKey));
      setImports(list);
      setStatus(null);
      loadLastRuns();
    } catch (error) {
      setStatus('error', error.message);
    }
  }, [loadLastRuns, setStatus]);

  // Loaded when first shown; the last runs re-read when the admin comes back (a run may have ended).
  const shownBefore = useRef(false);
  useEffect(() => {
    if (!active) return;
    if (!shownBefore.current) {
      shownBefore.current = true;
      load();
    } else if (imports) loadLastRuns();
  }, [active]);

  /** True when there is no form with unsaved edits, or the admin chose to discard them. */
  async function mayLeaveForm() {
    if (!form.current?.isDirty()) return true;
    const discard = await confirm({
      title: 'Discard your unsaved changes?',
      body: 'The import has edits that are not saved. Discard them, or cancel and Save first.',
      confirmText: 'Discard changes',
    });
    if (discard) form.current.discard();
    return discard;
  }

  async function openForm(initial) {
    if (!(await mayLeaveForm())) return;
    form.current?.discard();
    opened.current += 1;
    setEditing({ initial, n: opened.current });
  }

  async function closeForm({ force = false } = {}) {
    if (!force && !(await mayLeaveForm())) return;
    form.current?.discard();
    form.current = null;
    setEditing(null);
    setTimeout(() => addButton.current?.focus(), 0);
  }

  async function runAll() {
    const enabled = (imports ?? []).filter((i) => i.enabled !== false);
    const ok = await confirm({
      title: 'Run every import now?',
      body: `The ${enabled.length} enabled import${enabled.length === 1 ? '' : 's'} (${enabled.map((i) => i.name).join(', ')}) will run one after another, those that others refer to first. Each writes its changes to Assets as its own Run now would; paused imports are left out.`,
      confirmText: 'Run all',
      tone: 'primary',
    });
    if (!ok) return;
    setRunningAll(true);
    const since = Date.now();
    try {
      const answer = await call('runAll', {});
      const queued = Array.isArray(answer?.queued) ? answer.queued : [];
      flag({ kind: 'success', title: `${queued.length} import${queued.length === 1 ? '' : 's'} queued`, description: 'Follow them in Run history.' });
      // runAll answers import ids: each shows as queued until a run of it started since appears.
      onRunStarted?.({ importId: '', started: queued.map((importId) => ({ importId: String(importId), since })) });
    } catch (error) {
      setStatus('error', error.message);
    } finally {
      setRunningAll(false);
    }
  }

  const head = {
    cells: [
      { key: 'name', content: 'Name' },
      { key: 'schedule', content: 'Schedule' },
      { key: 'last', content: 'Last run' },
      { key: 'actions', content: <span className="visually-hidden">Actions</span> },
    ],
  };
  const rows = (imports ?? []).map((imp) => ({
    key: String(imp.id),
    cells: [
      { key: 'name', content: <span className="import-name">{imp.name || '(unnamed)'}</span> },
      { key: 'schedule', content: scheduleText(imp.schedule) + (imp.enabled === false ? ' (paused)' : '') },
      { key: 'last', content: <span className="cell-last-run">{lastRuns ? <LastRun run={imp.lastRun ?? lastRuns.get(imp.id)} /> : '…'}</span> },
      {
        key: 'actions',
        content: <Button appearance="subtle" aria-label={`Edit import ${imp.name || ''}`.trim()} onClick={() => openForm(imp)}>Edit</Button>,
      },
    ],
  }));

  return (
    <section className="panel-body">
      <div className="panel-head">
        <h2>Imports</h2>
        <div className="actions">
          {imports?.length > 0 && <Button onClick={runAll} isLoading={runningAll}>Run all</Button>}
          <Button appearance="primary" ref={addButton} onClick={() => openForm(null)}>Add import</Button>
        </div>
      </div>
      <p className="lead">Each import reads one kind of JumpCloud record and keeps one Assets object type in step with it.</p>
      <StatusMessage status={status} />
      <div className="imports-list">
        {imports && !imports.length && !editing && (connected ? (
          <EmptyState header="No imports yet" headingLevel={3}
            description="Add one to start syncing JumpCloud into Assets: pick the object type, then write or paste its mapping."
            primaryAction={<Button appearance="primary" onClick={() => openForm(null)}>Add your first import</Button>} />
        ) : (
          <EmptyState header="Connect JumpCloud first" headingLevel={3}
            description="Imports read your directory with its API key. Add the key on the Connection tab, then come back to add an import."
            primaryAction={<Button appearance="primary" onClick={onConnect}>Connect JumpCloud</Button>} />
        ))}
        {imports?.length > 0 && <DynamicTable head={head} rows={rows} label="Imports" isFixedSize={false} />}
      </div>
      {editing && (
        <ImportForm
          key={editing.n}
          core={core}
          initial={editing.initial}
          formRef={form}
          otherNames={(id) => (imports ?? []).filter((i) => i.id !== id).map((i) => String(i.name ?? ''))}
          onSaved={(saved) => setImports((list) => {
            const next = [...(list ?? [])];
            const index = next.findIndex((i) => i.id === saved.id);
            if (index >= 0) next[index] = saved;
            else next.push(saved);
            return next;
          })}
          onDeleted={(id) => {
            setImports((list) => (list ?? []).filter((i) => i.id !== id));
            closeForm({ force: true });
            setStatus('ok', 'The import was deleted.');
          }}
          onRunStarted={onRunStarted}
          onClose={() => closeForm()}
        />
      )}
    </section>
  );
}

/** The last run's cell: its status as the run history's lozenge, then when. */
function LastRun({ run }) {
  if (!run) return 'Never';
  if (typeof run !== 'object') return formatTime(run);
  const when = run.finishedAt || run.startedAt;
  return (
    <>
      {run.status && <StatusLozenge status={run.status} />}
      {run.status && when ? ' · ' : ''}
      {when ? formatTime(when) : ''}
    </>
  );
}
