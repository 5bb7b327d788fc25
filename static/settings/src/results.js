// Per-record results of a preview or a run, in the shape of the `getRunResults` resolver
// (CONTRACT: `{kind, key, label?, objectKey?, action?, changes?, attribute?, message?, level?}`).
// A preview that finished inside the resolver call carries its plan; its entries are made here
// from the plan, so the page pages, searches and downloads both kinds of result the same way.

import { call } from './api.js';
import { showValue } from './dom.js';
import { csvText } from './files.js';

/** Entries per page of a results table; the resolver's own maximum is 500. */
export const PAGE_SIZE = 50;
/** The kinds of result, in the order the page shows them. */
export const RESULT_KINDS = ['update', 'create', 'retire', 'error'];

/** The entries of a dry-run report's plan and its per-record problems. */
export function planEntries(report) {
  const plan = report?.plan && typeof report.plan === 'object' ? report.plan : {};
  const list = (value) => (Array.isArray(value) ? value.filter((v) => v && typeof v === 'object') : []);
  return [
    ...list(plan.updates).map((u) => ({ kind: 'update', ...u })),
    ...list(plan.creates).map((c) => ({ kind: 'create', ...c })),
    ...list(plan.missing).map((m) => ({ kind: 'retire', ...m })),
    ...list(report?.errors).map((e) => ({ kind: 'error', ...e })),
  ];
}

/** The text an entry is searched by: key, label, object key, attributes, values, message. */
function searchText(entry) {
  const changes = Array.isArray(entry.changes) ? entry.changes : [];
  return [
    entry.key, entry.label, entry.objectKey, entry.attribute, entry.message, entry.action,
    ...changes.flatMap((c) => [c.attribute, showValue(c.old), showValue(c.new), showValue(c.oldLabels), showValue(c.newLabels)]),
  ].filter((v) => v !== undefined && v !== null).join(' ').toLowerCase();
}

/**
 * A results source over entries held in the page: `({kind, query, offset, limit})` →
 * `{total, offset, limit, entries}`, as `getRunResults` answers.
 */
export function localSource(entries) {
  const texts = new Map(entries.map((e) => [e, searchText(e)]));
  return async ({ kind, query = '', offset = 0, limit = PAGE_SIZE }) => {
    const q = query.trim().toLowerCase();
    const matching = entries.filter((e) => (!kind || e.kind === kind) && (!q || texts.get(e).includes(q)));
    return { total: matching.length, offset, limit, entries: matching.slice(offset, offset + limit) };
  };
}

/** A results source over a stored run or background preview: the `getRunResults` resolver. */
export function runSource(importId, runId) {
  return async ({ kind, query = '', offset = 0, limit = PAGE_SIZE }) => {
    const payload = { importId, runId, offset, limit };
    if (kind) payload.kind = kind;
    if (query.trim()) payload.query = query.trim();
    const answer = await call('getRunResults', payload);
    return {
      total: Number(answer?.total) || 0,
      offset: Number(answer?.offset) || offset,
      limit: Number(answer?.limit) || limit,
      entries: Array.isArray(answer?.entries) ? answer.entries : [],
    };
  };
}

/** Every entry of a source, read a page of 500 at a time (the resolver's maximum). */
export async function allEntries(source) {
  const entries = [];
  for (let offset = 0; ; offset += 500) {
    const page = await source({ offset, limit: 500 });
    entries.push(...page.entries);
    if (!page.entries.length || entries.length >= page.total) return entries;
  }
}

/** Values with the referenced objects' labels beside their keys: "Ada Lovelace (PPL-12)". */
function labelled(values, labels) {
  const list = Array.isArray(values) ? values : values === undefined || values === null ? [] : [values];
  return list.map((v, i) => (Array.isArray(labels) && labels[i] ? `${labels[i]} (${showValue(v)})` : showValue(v))).join('; ');
}

/** Entries as CSV, one row per attribute change (a row per record when it has none). */
export function resultsCsv(entries) {
  const rows = [['kind', 'record', 'name', 'object', 'action', 'attribute', 'old', 'new', 'level', 'message']];
  for (const e of entries) {
    const changes = Array.isArray(e.changes) && e.changes.length ? e.changes : [null];
    for (const c of changes) {
      rows.push([
        e.kind, e.key, e.label, e.objectKey, e.action,
        c?.attribute ?? e.attribute,
        c ? labelled(c.old, c.oldLabels) : '', c ? labelled(c.new, c.newLabels) : '',
        e.level, e.message,
      ]);
    }
  }
  return csvText(rows);
}
