// Run history: the engine's stored run records (status, phase, progress, counts, guard, and
// every record's result), newest first. Polls every ~2 s while a run is going — a stored
// `continue`/`running` record, or a run just started here that the queue has not begun (shown
// as queued) — and stops when none is, the panel is hidden, or the browser tab is.

import Button from '@atlaskit/button/new';
import EmptyState from '@atlaskit/empty-state';
import Select from '@atlaskit/select';
import SectionMessage from '@atlaskit/section-message';
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';

import { call } from './api.js';
import { formatClock, formatTime } from './dom.js';
import { formatDuration, inProgress, phaseText, statusText, toMillis } from './report.js';
import { ApiCallsLine, CountTiles, GuardNotice, ResultsView, RunMessage, RunProgress } from './report-view.jsx';
import { download, timestampForFile } from './files.js';
import { allEntries, localSource, planEntries, resultsCsv, runSource } from './results.js';
import { StatusLozenge, StatusMessage, useConfirm, useStatus } from './ui.jsx';

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
 * The Run history panel. `active` is whether its tab is shown; `request` is
 * `{importId?, startedRunIds?: [{runId, importId}]}` from the last Run now / Run all.
 */
export function RunsPanel({ active, request, pollMs = 2000 }) {
  const [imports, setImports] = useState([]);
  const [filter, setFilter] = useState('');
  const [runs, setRuns] = useState(null);
  const [status, setStatus] = useStatus();
  const [announcement, setAnnouncement] = useState('');
  const queued = useRef(new Map());
  const lastStatuses = useRef(new Map());
  const filterId = useId();
  const names = useMemo(() => new Map(imports.map((i) => [i.id, i.name])), [imports]);

  // A new Run now / Run all: its placeholders and filter take effect in this very render, so the
  // first load already has them (and the queue's first answer is not missed).
  const seenRequest = useRef(null);
  if (request && request !== seenRequest.current) {
    seenRequest.current = request;
    for (const started of request.started ?? []) {
      // Run now knows its run id; Run all only the import (and when it asked).
      const runId = started.runId ?? `queued-${started.importId}-${started.since}`;
      if (!queued.current.has(runId)) queued.current.set(runId, { ...started, runId, status: 'queued', startedAt: Date.now() });
    }
    const wanted = String(request.importId ?? '');
    if (request.importId !== undefined && wanted !== filter) setFilter(wanted);
  }

  useEffect(() => {
    if (!active) return;
    call('listImports').then((list) => setImports(Array.isArray(list) ? list : [])).catch(() => {
      // The run list still works without names; its own errors are shown by load().
    });
  }, [active, request]);

  /** The stored runs plus placeholders for started runs the queue has not begun. */
  const withQueued = useCallback((stored) => {
    const now = Date.now();
    const begun = (placeholder) => (r) => r.runId === placeholder.runId
      || (placeholder.since && r.importId === placeholder.importId && toMillis(r.startedAt) >= placeholder.since - 5000);
    for (const [runId, placeholder] of queued.current) {
      if (stored.some(begun(placeholder))) queued.current.delete(runId);
      else if (now - placeholder.startedAt > QUEUED_PATIENCE_MS) {
        queued.current.delete(runId);
        setStatus('error', `The run started at ${formatTime(placeholder.startedAt)} has not begun after ${QUEUED_PATIENCE_MS / 60_000} minutes. Its queue may be stuck; try Run now again later.`);
      }
    }
    const shown = [...queued.current.values()].filter((q) => !filter || q.importId === filter);
    return [...shown, ...stored].sort((a, b) => toMillis(b.startedAt) - toMillis(a.startedAt));
  }, [filter, setStatus]);

  const load = useCallback(async ({ quiet = false } = {}) => {
    if (!quiet) setStatus('busy', 'Loading run history…');
    try {
      const stored = await call('listRuns', filter ? { importId: filter } : {});
      const list = withQueued(Array.isArray(stored) ? stored.filter((r) => r && typeof r === 'object') : []);
      setStatus(null);
      setRuns(list);
      return list;
    } catch (error) {
      setStatus('error', error.message);
      return null;
    }
  }, [filter, withQueued, setStatus]);

  // Loads when shown; polls while something is going and the browser tab is visible.
  useEffect(() => {
    if (!active) return undefined;
    let timer = null;
    let stopped = false;
    const tick = async (quiet) => {
      const list = await load({ quiet });
      if (stopped) return;
      if (list?.some((r) => inProgress(r.status)) && document.visibilityState !== 'hidden') {
        timer = setTimeout(() => tick(true), pollMs);
      }
    };
    tick(false);
    const onVisible = () => {
      if (document.visibilityState === 'visible') {
        clearTimeout(timer);
        tick(true);
      }
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [active, load, pollMs, request]);

  // Screen readers hear when a run they saw going has ended.
  useEffect(() => {
    if (!runs) return;
    const finished = runs.filter((r) => inProgress(lastStatuses.current.get(r.runId)) && !inProgress(r.status));
    if (finished.length) {
      setAnnouncement(finished.map((r) => `Run of ${names.get(r.importId) || 'an import'}: ${statusText(r.status).toLowerCase()}.`).join(' '));
    }
    lastStatuses.current = new Map(runs.map((r) => [r.runId, r.status]));
  }, [runs, names]);

  const options = [{ value: '', label: 'All imports' }, ...imports.map((i) => ({ value: String(i.id), label: i.name || String(i.id) }))];
  return (
    <section className="panel-body">
      <div className="panel-head">
        <h2>Run history</h2>
        <div className="inline">
          <label htmlFor={filterId}>Import</label>
          <div className="select-inline">
            <Select classNamePrefix="tb-select" inputId={filterId} options={options} value={options.find((o) => o.value === filter) ?? options[0]}
              onChange={(option) => setFilter(option?.value ?? '')} isSearchable={false} spacing="compact" />
          </div>
          <Button onClick={() => load()}>Refresh</Button>
        </div>
      </div>
      <StatusMessage status={status} />
      <p className="visually-hidden" aria-live="polite">{announcement}</p>
      <div className="runs">
        {runs && !runs.length && (
          <EmptyState header="No runs yet" headingLevel={3}
            description="Start one with Run now on an import, or wait for its schedule." />
        )}
        {runs?.map((run) => <RunCard key={run.runId ?? run.startedAt} run={run} name={names.get(run.importId)} />)}
      </div>
    </section>
  );
}

/** One run: status, when, why, progress, counts and its results. */
function RunCard({ run, name }) {
  const state = String(run.status ?? 'unknown');
  const title = name || (run.importId ? `Import ${run.importId}` : 'Unknown import');
  return (
    <article className={`run card run-${state}`} data-run-id={String(run.runId ?? '')} data-status={state} aria-label={`Run of ${title}`}>
      <header className="run-head">
        <StatusLozenge status={state} />
        <h3 className="run-title">{title}</h3>
        <span className="run-time" title={run.runId ? `Run ${run.runId}` : undefined}>{timeText(run)}</span>
        {run.dryRun && <span className="help">(preview: nothing written)</span>}
      </header>
      {state === 'queued' ? (
        <p className="help">Waiting for the run to begin. Runs start within a few seconds; large directories take several minutes.</p>
      ) : (
        <>
          {state === 'interrupted' && (
            <SectionMessage appearance="error" title="The run was interrupted">
              <p className="interrupted-text">
                {`It stopped before it finished${run.phase && run.phase !== 'done' ? `, while ${lowerFirst(phaseText(run.phase))}` : ''}. What it had written stays in Assets; nothing more will be. Start it again with Run now, or let the schedule run it.`}
              </p>
            </SectionMessage>
          )}
          <GuardNotice guard={run.guard} />
          <RunMessage report={run} />
          <RunProgress run={run} />
          {inProgress(state) && !run.dryRun && <CancelRun run={run} title={title} />}
          {state === 'failed' && run.phase && run.phase !== 'done' && (
            <p className="help progress-text">{`Stopped while ${lowerFirst(phaseText(run.phase))}.`}</p>
          )}
          {hasCounts(run) && <CountTiles counts={run.counts} tiles={COUNT_TILES} small />}
          <ApiCallsLine apiCalls={run.apiCalls} />
          {!inProgress(state) && <RunResults run={run} />}
        </>
      )}
    </article>
  );
}

/** Cancel for a run that is going: asks first; the run stops at its next step. */
function CancelRun({ run, title }) {
  const confirm = useConfirm();
  const [status, setStatus] = useStatus();
  const [busy, setBusy] = useState(false);
  async function cancel() {
    const ok = await confirm({
      title: 'Cancel this run?',
      body: `The run of ${title} stops at its next step. What it has written so far stays in Assets; the rest is not written.`,
      confirmText: 'Cancel the run',
    });
    if (!ok) return;
    setBusy(true);
    try {
      await call('cancelRun', { importId: run.importId, runId: run.runId });
      setStatus('ok', 'Cancelling: the run stops at its next step.');
    } catch (error) {
      setStatus('error', error.message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="run-cancel">
      <Button appearance="subtle" onClick={cancel} isLoading={busy}>Cancel run</Button>
      <StatusMessage status={status} />
    </div>
  );
}

/**
 * A finished run's per-record results. The stored record's own problems show at once (no
 * call); *Show every record's result* and the downloads read all of them from `getRunResults`,
 * falling back to the stored problems (and saying so) on a backend without it.
 */
function RunResults({ run }) {
  const problems = Array.isArray(run.errors) ? run.errors : [];
  const [full, setFull] = useState(false);
  const [open, setOpen] = useState(problems.length > 0);
  const [note, setNote] = useState(null);
  const stored = useMemo(() => localSource(planEntries({ errors: problems })),
    [run.runId]);
  const server = useMemo(() => {
    const ask = runSource(run.importId, run.runId);
    let fallback = false;
    return async (query) => {
      if (!fallback) {
        try {
          return await ask(query);
        } catch (error) {
          fallback = true;
          setNote(`Only the problems kept in the run record are shown: ${error.message}`);
        }
      }
      return stored(query);
    };
  }, [run.importId, run.runId, stored]);
  if (run.status === 'busy') return null;
  const name = `tributary-run-${String(run.runId ?? 'unknown')}`;
  const save = async (format) => {
    const entries = await allEntries(server);
    const file = `${name}-${timestampForFile(new Date(toMillis(run.startedAt) || Date.now()))}`;
    if (format === 'csv') download(`${file}.csv`, 'text/csv;charset=utf-8', resultsCsv(entries));
    else download(`${file}.json`, 'application/json', `${JSON.stringify({ ...run, results: entries }, null, 2)}\n`);
  };
  return (
    <div className="run-results">
      <div className="actions">
        {!full && (
          <Button appearance="subtle" onClick={() => { setFull(true); setOpen(true); }}>Show every record’s result</Button>
        )}
        {full && open && <Button appearance="subtle" onClick={() => setOpen(false)}>Hide the results</Button>}
        <Button onClick={() => save('csv')}>Download all results (CSV)</Button>
        <Button onClick={() => save('json')}>Download all results (JSON)</Button>
      </div>
      {note && <p className="help results-note">{note}</p>}
      {open && <ResultsView source={full ? server : stored} tense="did" name={name} report={run} downloads={false} />}
      {run.errorsOmitted > 0 && (
        <p className="help">{`The run record keeps the first ${problems.length} problems; ${run.errorsOmitted} more were counted.`}</p>
      )}
    </div>
  );
}

/** "27 Nov 2026, 09:00:00 → 09:01:10 (1 min 10 s)" or "started …". */
function timeText(run) {
  if (run.status === 'queued') return `started ${formatTime(run.startedAt)}`;
  const duration = formatDuration(Number(run.durationMs));
  const suffix = duration ? ` (${duration})` : '';
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
  if (run.status !== 'failed' && run.status !== 'interrupted') return true;
  return Object.values(run.counts ?? {}).some((n) => Number(n) > 0);
}
