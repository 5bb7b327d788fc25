// The sync engine's RunReport drawn with Atlaskit: count tiles, the guard, the run's message,
// progress, and the per-record results (searchable, paged, grouped by attribute on demand,
// downloadable). Preview and Run history share these.

import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import Lozenge from '@atlaskit/lozenge';
import ProgressBar from '@atlaskit/progress-bar';
import SectionMessage from '@atlaskit/section-message';
import Textfield from '@atlaskit/textfield';
import Toggle from '@atlaskit/toggle';
import { useEffect, useId, useMemo, useState } from 'react';

import { showValue } from './dom.js';
import { download, timestampForFile } from './files.js';
import { RETIRE_ACTION_LABELS } from './labels.js';
import { API_CALL_TEXT, formatDuration, inProgress, phaseText, sentence, toMillis } from './report.js';
import { PAGE_SIZE, RESULT_KINDS, allEntries, resultsCsv } from './results.js';
import { RecordCell, Values } from './ui.jsx';

/**
 * Count tiles: `tiles` is `[[countKey, label]]`. A non-zero `failed` or `incomplete` is shown in
 * red. Each tile carries `data-count` so tests and styles can find it.
 */
export function CountTiles({ counts, tiles, small = false }) {
  return (
    <dl className={`counts${small ? ' counts-small' : ''}`}>
      {tiles.map(([key, label]) => {
        const value = Number(counts?.[key] ?? 0) || 0;
        const bad = (key === 'failed' || key === 'incomplete') && value > 0 ? ' count-bad' : '';
        return (
          <div key={key} className={`count count-${key}${bad}`} data-count={key}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        );
      })}
    </dl>
  );
}

/** A guard's reason, prominently: the engine withheld every mark/delete (or some clears). */
export function GuardNotice({ guard }) {
  const reason = typeof guard?.reason === 'string' ? guard.reason.trim() : '';
  if (!reason) return null;
  return (
    <div className="guard" role="note">
      <SectionMessage appearance="warning" title="Safety guard">
        <p>{sentence(reason)}</p>
      </SectionMessage>
    </div>
  );
}

/** A run-level message (why a run failed, why it was skipped), with the mapping's diagnostics. */
export function RunMessage({ report }) {
  const text = typeof report?.message === 'string' ? report.message.trim() : '';
  if (!text) return null;
  const failed = report.status === 'failed' || report.status === 'interrupted';
  const diagnostics = Array.isArray(report.error?.diagnostics) ? report.error.diagnostics : [];
  return (
    <div className="run-failure">
      <p className={`status ${failed ? 'status-error' : 'status-info'} run-message`}>{sentence(text)}</p>
      {diagnostics.length > 0 && (
        <ul className="run-diagnostics">
          {diagnostics.map((d, i) => (
            <li key={i} title={d.code}>{`Line ${d.line}, column ${d.column}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** "API calls: JumpCloud 1, Assets searches 2, …" (zero counts left out). */
export function ApiCallsLine({ apiCalls }) {
  if (!apiCalls || typeof apiCalls !== 'object') return null;
  const parts = Object.entries(apiCalls)
    .filter(([, v]) => typeof v === 'number' && v > 0)
    .map(([k, v]) => `${API_CALL_TEXT[k] || k} ${v}`);
  return parts.length ? <p className="help api-calls">{`API calls: ${parts.join(', ')}`}</p> : null;
}

/**
 * Live progress of a run or background preview that is still going: the phase, done / total
 * and how long it has run. Null once it has finished.
 */
export function RunProgress({ run }) {
  const [, tick] = useState(0);
  const going = inProgress(run?.status);
  // Between two records from the server the clock still moves.
  useEffect(() => {
    if (!going) return undefined;
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [going]);
  if (!going || run.status === 'queued') return null;
  const done = Number(run.progress?.done) || 0;
  const total = Number(run.progress?.total) || 0;
  const unit = run.phase === 'write' ? 'writes' : 'records';
  const percent = total ? Math.round((Math.min(done, total) / total) * 100) : null;
  const counted = total ? `${done} of ${total} ${unit} (${percent}%)` : done ? `${done} ${unit} so far` : '';
  const started = toMillis(run.startedAt);
  const elapsed = started ? formatDuration(Math.max(0, Date.now() - started)) : '';
  const text = [counted, elapsed && `running for ${elapsed}`].filter(Boolean).join(' · ');
  const label = `Phase: ${phaseText(run.phase)}`;
  return (
    <div className="run-progress" data-done={done} data-total={total}>
      <span className="progress-phase">{label}</span>
      <ProgressBar ariaLabel={`${label}${counted ? `, ${counted}` : ''}`}
        value={total ? Math.min(done, total) / total : 0} isIndeterminate={!total} />
      <span className="progress-text">{text}</span>
    </div>
  );
}

/** The columns of each kind of result; `group` puts the attribute first, rows sorted by it. */
const KIND_TABLES = {
  update: { title: 'Updates (old → new)', className: 'table-diff' },
  create: { title: 'Creates', className: 'table-creates' },
  retire: { title: 'Missing from JumpCloud', className: 'table-missing' },
  error: { title: 'Problems', className: 'table-errors' },
};

/** What happened to a missing object, with a mark's values. */
function missingAction(entry) {
  const label = RETIRE_ACTION_LABELS[entry?.action] ?? showValue(entry?.action);
  const marks = entry?.action === 'mark' ? (entry.changes ?? []).map((c) => `${c.attribute} = ${showValue(c.new)}`).join(', ') : '';
  return marks ? `${label}: ${marks}` : label;
}

/** One row per attribute change of an entry (one for an entry without changes). */
function rowsOf(kind, entry, index) {
  const record = <RecordCell id={entry.key} label={entry.label} />;
  const recordText = `${entry.label ?? ''} ${showValue(entry.key)}`.trim();
  const changes = Array.isArray(entry.changes) && entry.changes.length ? entry.changes : [null];
  if (kind === 'retire') {
    return [{ key: `${index}`, attribute: '', cells: { record, object: showValue(entry.objectKey), what: missingAction(entry) }, recordText }];
  }
  if (kind === 'error') {
    const level = entry.level === 'warning'
      ? <Lozenge appearance="moved">Warning</Lozenge>
      : <Lozenge appearance="removed">Error</Lozenge>;
    return [{
      key: `${index}`,
      attribute: entry.attribute ?? '',
      cells: { record: entry.key ? record : '(whole run)', attribute: showValue(entry.attribute), level, message: entry.message ? String(entry.message) : '—' },
      recordText,
    }];
  }
  return changes.map((c, i) => ({
    key: `${index}-${i}`,
    attribute: c?.attribute ?? '',
    recordText,
    cells: kind === 'update'
      ? {
        record, object: showValue(entry.objectKey), attribute: c?.attribute ?? '—',
        old: <del className="diff-old"><Values values={c?.old} labels={c?.oldLabels} /></del>,
        new: <ins className="diff-new"><Values values={c?.new} labels={c?.newLabels} /></ins>,
      }
      : { record, attribute: c?.attribute ?? '—', new: <ins className="diff-new"><Values values={c?.new} labels={c?.newLabels} /></ins> },
  }));
}

const COLUMNS = {
  update: [['record', 'Record'], ['object', 'Object'], ['attribute', 'Attribute'], ['old', 'Old'], ['new', 'New']],
  create: [['record', 'Record'], ['attribute', 'Attribute'], ['new', 'Value']],
  retire: [['record', 'Record'], ['object', 'Object'], ['what', 'What would happen']],
  error: [['record', 'Record'], ['attribute', 'Attribute'], ['level', 'Level'], ['message', 'What happened']],
};

/** One kind of result, a page at a time from `source`; hidden when it has none. */
function ResultsTable({ kind, source, query, group, tense, onTotal }) {
  const [page, setPage] = useState(0);
  const [answer, setAnswer] = useState(null);
  const [error, setError] = useState(null);
  const tableId = useId();
  useEffect(() => setPage(0), [query, source]);
  useEffect(() => {
    let stale = false;
    setError(null);
    source({ kind, query, offset: page * PAGE_SIZE, limit: PAGE_SIZE })
      .then((result) => {
        if (stale) return;
        setAnswer(result);
        onTotal?.(kind, result.total);
      })
      .catch((e) => !stale && setError(e.message));
    return () => { stale = true; };
  }, [kind, source, query, page]);

  if (error) return <p className="status status-error" role="alert">{error}</p>;
  if (!answer || !answer.total) return null;
  const { title, className } = KIND_TABLES[kind];
  let rows = answer.entries.flatMap((entry, i) => rowsOf(kind, entry, page * PAGE_SIZE + i));
  let columns = COLUMNS[kind];
  if (group && kind !== 'retire') {
    rows = [...rows].sort((a, b) => a.attribute.localeCompare(b.attribute) || a.recordText.localeCompare(b.recordText));
    columns = [columns.find(([k]) => k === 'attribute'), ...columns.filter(([k]) => k !== 'attribute')];
  }
  const pages = Math.max(1, Math.ceil(answer.total / PAGE_SIZE));
  const first = page * PAGE_SIZE + 1;
  const last = page * PAGE_SIZE + answer.entries.length;
  const caption = `${kind === 'error' && tense === 'would' ? 'Problems a run would meet' : title} (${answer.total}${query ? ' matching' : ''})`;
  return (
    <section className={`table-wrap ${className}`} aria-label={caption}>
      <h5 className="table-caption" id={tableId}>{caption}</h5>
      <DynamicTable
        head={{ cells: columns.map(([key, content]) => ({ key, content })) }}
        rows={rows.map((row) => ({ key: row.key, cells: columns.map(([key]) => ({ key, content: row.cells[key] ?? '' })) }))}
        isFixedSize={false}
        label={caption}
      />
      {pages > 1 && (
        <div className="pager actions">
          <Button isDisabled={page === 0} onClick={() => setPage(page - 1)} aria-controls={tableId}>Previous</Button>
          <span className="help">{`Records ${first}–${last} of ${answer.total}`}</span>
          <Button isDisabled={page >= pages - 1} onClick={() => setPage(page + 1)} aria-controls={tableId}>Next</Button>
        </div>
      )}
    </section>
  );
}

/**
 * Every per-record result of a preview or run from `source` (see results.js): search, group by
 * attribute, tables per kind, downloads of all of them as CSV and JSON (unless `downloads` is
 * false). `name` starts file names.
 */
export function ResultsView({ source, tense = 'would', name, report, downloads = true }) {
  const [query, setQuery] = useState('');
  const [typed, setTyped] = useState('');
  const [group, setGroup] = useState(false);
  const [totals, setTotals] = useState({});
  const [downloadError, setDownloadError] = useState(null);
  const searchId = useId();
  const groupId = useId();
  // Searching asks the server (for a background preview); wait for a pause in the typing.
  useEffect(() => {
    const timer = setTimeout(() => setQuery(typed), 200);
    return () => clearTimeout(timer);
  }, [typed]);
  const onTotal = useMemo(() => (kind, total) => setTotals((t) => (t[kind] === total ? t : { ...t, [kind]: total })), []);
  const shown = RESULT_KINDS.reduce((n, k) => n + (totals[k] ?? 0), 0);

  async function save(format) {
    setDownloadError(null);
    try {
      const entries = await allEntries(source);
      const file = `${name}-${timestampForFile()}`;
      if (format === 'csv') download(`${file}.csv`, 'text/csv;charset=utf-8', resultsCsv(entries));
      else download(`${file}.json`, 'application/json', `${JSON.stringify({ ...(report ?? {}), results: entries }, null, 2)}\n`);
    } catch (error) {
      setDownloadError(error.message);
    }
  }

  return (
    <div className="results-view">
      <div className="preview-tools actions">
        <label htmlFor={searchId} className="label-like">Search</label>
        <div className="search-field">
          <Textfield id={searchId} isCompact value={typed} onChange={(e) => setTyped(e.target.value)}
            placeholder="Name, JumpCloud id, attribute or value" aria-describedby={`${searchId}-found`} />
        </div>
        <span className="help" id={`${searchId}-found`} aria-live="polite">
          {query ? `${shown} matching record${shown === 1 ? '' : 's'}` : ''}
        </span>
        <span className="toggle-field">
          <Toggle id={groupId} isChecked={group} onChange={() => setGroup(!group)} label="Group by attribute" />
          <label htmlFor={groupId} className="toggle-text">Group by attribute</label>
        </span>
        <span className="spacer" />
        {downloads && <Button onClick={() => save('csv')}>Download CSV</Button>}
        {downloads && <Button onClick={() => save('json')}>Download JSON</Button>}
      </div>
      {downloadError && <p className="status status-error" role="alert">{downloadError}</p>}
      {RESULT_KINDS.map((kind) => (
        <ResultsTable key={kind} kind={kind} source={source} query={query} group={group} tense={tense} onTotal={onTotal} />
      ))}
      {query && shown === 0 && <p className="empty">{`Nothing matches "${query}".`}</p>}
    </div>
  );
}
