// Fetch sample: the records' raw JSON one at a time, what the mapping makes of each (the browser
// core's single-record preview), and the records' field paths, each a button adding a `map:` row.

import Button from '@atlaskit/button/new';
import Select from '@atlaskit/select';
import { useId, useState } from 'react';

import { showValue } from './dom.js';
import { fieldPaths } from './mapping-language.js';

/**
 * The sample. `records` as fetchSample answered; `text` the mapping now (re-mapped as it
 * changes); `onPickField(path)` adds a row for a field.
 */
export function SampleView({ records, request, core, text, attributesJson, onPickField }) {
  const [index, setIndex] = useState(0);
  const pickId = useId();
  const requestLine = typeof request === 'string' && request
    ? <p className="help sample-request">Request: <code>{request}</code></p>
    : null;
  if (!records.length) {
    return (
      <section className="card sample" aria-label="Sample records">
        <h4>Sample records</h4>
        {requestLine}
        <p className="empty">JumpCloud returned no records for this api and filter.</p>
      </section>
    );
  }
  const options = records.map((record, i) => ({ value: i, label: `Record ${i + 1} of ${records.length}${recordName(record)}` }));
  const record = records[Math.min(index, records.length - 1)];
  const paths = fieldPaths(records, 2);
  return (
    <section className="card sample" aria-label="Sample records">
      <h4>Sample records (raw JumpCloud JSON)</h4>
      {requestLine}
      <div className="inline">
        <label htmlFor={pickId}>Show</label>
        <div className="select-inline">
          <Select classNamePrefix="tb-select" inputId={pickId} options={options} value={options[index]} onChange={(o) => setIndex(o.value)} isSearchable={false} spacing="compact" />
        </div>
      </div>
      <div className="grid-2 sample-grid">
        {/* A scrollable region, reachable by keyboard. */}
        <pre className="code-block" tabIndex={0} aria-label="Raw JumpCloud JSON">{JSON.stringify(record, null, 2)}</pre>
        <div className="sample-mapped">
          <RecordPreview core={core} text={text} record={record} attributesJson={attributesJson} />
        </div>
      </div>
      {onPickField && (
        <details className="sample-fields" open>
          <summary>{`Fields in these records (${paths.length}): click one to map it`}</summary>
          <ul className="field-list">
            {paths.map((path) => (
              <li key={path}>
                <Button appearance="subtle" spacing="compact" aria-label={`Map ${path}`} onClick={() => onPickField(path)}>{path}</Button>
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

function recordName(record) {
  const label = record?.username || record?.displayName || record?.hostname || record?.name || record?.email;
  return label ? ` — ${label}` : '';
}

/** What the mapping makes of one record, when the browser core can tell. */
function RecordPreview({ core, text, record, attributesJson }) {
  if (!core.canPreviewRecord()) return null;
  let result;
  try {
    result = core.previewRecord(text, record, attributesJson);
  } catch (error) {
    return <p className="status status-error">{`This record could not be mapped: ${error?.message || error}`}</p>;
  }
  const rows = Array.isArray(result?.values) ? result.values : [];
  const errors = result?.errors ?? [];
  const blocked = (result?.diagnostics ?? []).some((d) => d.severity === 'error');
  return (
    <>
      <h5>What the mapping makes of it</h5>
      {blocked && <p className="help">Fix the errors in the mapping to see what it makes of this record.</p>}
      {rows.length > 0 && (
        <table className="table table-compact table-record">
          <caption>{result.key !== undefined && result.key !== null ? `Key: ${showValue(result.key)}` : 'Values'}</caption>
          <thead><tr><th scope="col">Attribute</th><th scope="col">Value</th></tr></thead>
          <tbody>
            {rows.map((row, i) => (
              <tr key={i}><th scope="row">{row.attribute}</th><td>{(row.values ?? []).map(cellText).join(', ') || '—'}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      {errors.length > 0 && (
        <ul className="problems">
          {errors.map((e, i) => <li key={i} className="status-error">{[e.attribute, e.message].filter(Boolean).join(': ')}</li>)}
        </ul>
      )}
      {!blocked && !rows.length && !errors.length && <p className="empty">The mapping writes no values for this record.</p>}
    </>
  );
}

function cellText(value) {
  const text = showValue(value?.canonical ?? value?.value ?? value);
  // References and users are resolved during the run; say so instead of showing a bare id.
  return /lookup|pending/i.test(value?.type ?? '') ? `${text} (looked up when the import runs)` : text;
}
