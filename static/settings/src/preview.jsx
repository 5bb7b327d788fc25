// Preview: what a run would do. The dry run's answer, or — when it did not finish inside the
// resolver call — a background dry run followed live (`getRun` every ~2 s: phase, done / total,
// counts so far) and then read a page at a time (`getRunResults`).

import { useEffect, useMemo, useState } from 'react';

import { call } from './api.js';
import { inProgress } from './report.js';
import { CountTiles, GuardNotice, ResultsView, RunMessage, RunProgress } from './report-view.jsx';
import { localSource, planEntries, runSource } from './results.js';

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
      // Not green: some records would fail; amber, as the run history's Partial.
      return ['warning', 'Preview ready: some records would fail or lack some values (see below). Nothing was written to Assets.'];
    case 'queued':
    case 'running':
      return ['busy', 'The preview continues in the background; its progress is shown below. Nothing is written to Assets.'];
    case 'continue':
      return ['error', 'The preview did not finish in time, so there is no plan to show. Nothing was written to Assets.'];
    case 'interrupted':
      return ['error', 'The preview stopped before it finished. Preview again to see the whole plan. Nothing was written to Assets.'];
    case 'busy':
      return ['error', 'A run of this import is going on; preview again when it has finished.'];
    case 'failed':
      return ['error', `The preview failed: ${report.message || 'the server gave no reason'}`];
    default:
      return ['ok', 'Preview ready. Nothing was written to Assets.'];
  }
}

/**
 * Follows a background preview (`report.runId`) until it finishes; answers the newest record.
 * `onFinished(record)` is called once with the finished record.
 */
export function useFollowedRun(report, { pollMs = 2000, onFinished } = {}) {
  const [record, setRecord] = useState(report);
  useEffect(() => {
    setRecord(report);
    if (!inProgress(report?.status) || !report?.runId) return undefined;
    let timer = null;
    let stopped = false;
    const poll = async () => {
      try {
        const latest = await call('getRun', { importId: report.importId, runId: report.runId });
        if (stopped) return;
        if (!latest || typeof latest !== 'object') {
          // The record is gone (expired or deleted): say so rather than poll for ever.
          setRecord((shown) => ({ ...shown, status: 'interrupted', message: 'the background preview’s record is no longer there; preview again' }));
          return;
        }
        setRecord((shown) => ({ ...shown, ...latest }));
        if (!inProgress(latest.status)) {
          onFinished?.(latest);
          return;
        }
      } catch (error) {
        if (stopped) return;
        setRecord((shown) => ({ ...shown, pollError: error.message }));
      }
      timer = setTimeout(poll, pollMs);
    };
    timer = setTimeout(poll, pollMs);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [report]);
  return record;
}

/** The dry-run RunReport: guard, message, counts, then every planned change. */
export function PreviewView({ report, onFinished, pollMs }) {
  const record = useFollowedRun(report, { pollMs, onFinished });
  const going = inProgress(record?.status);
  const hasPlan = Boolean(record?.plan && typeof record.plan === 'object');
  // A background preview that has finished: its results are the run's, read a page at a time.
  const fromRun = !hasPlan && !going && Boolean(record?.runId) && inProgress(report?.status)
    && ['succeeded', 'partial', 'stopped'].includes(record?.status);
  const source = useMemo(() => {
    if (hasPlan) return localSource(planEntries(record));
    if (fromRun) return runSource(record.importId, record.runId);
    return null;
  }, [report, hasPlan, fromRun]);
  const nothing = hasPlan && !planEntries(record).some((e) => e.kind === 'update' || e.kind === 'create'
    || (e.kind === 'retire' && (e.action === 'mark' || e.action === 'delete')));

  return (
    <section className="card preview" aria-label="Preview">
      <h4>Preview: what a run would do</h4>
      <GuardNotice guard={record?.guard} />
      <RunMessage report={record} />
      {going && (
        <div className="preview-progress">
          <p className="help">Working it out in the background. Nothing is written to Assets.</p>
          <RunProgress run={{ ...record, status: record.status === 'queued' ? 'running' : record.status }} />
          {record.pollError && <p className="status status-error" role="alert">{record.pollError}</p>}
        </div>
      )}
      {/* Without a plan or a finished run, the planned counts would be zeros that mean nothing. */}
      {(hasPlan || going || fromRun) && <CountTiles counts={record.counts} tiles={PREVIEW_TILES} />}
      {source && <ResultsView source={source} tense="would" name="tributary-preview" report={record} />}
      {nothing && <p className="empty">A run would change nothing: Assets already matches JumpCloud.</p>}
    </section>
  );
}
