// Human-readable output of the CLI: plan tables and run summaries (the progress line: progress.js).

const show = (values) => (values === undefined || values === null ? '' : Array.isArray(values) ? values.join(', ') : String(values));

function truncate(text, width) {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

/** A plain text table; columns sized to their content, capped so lines stay readable. */
export function table(headers, rows, maxWidth = 40) {
  const widths = headers.map((h, i) => Math.min(maxWidth, Math.max(h.length, ...rows.map((r) => String(r[i]).length))));
  const line = (cells) => cells.map((c, i) => truncate(String(c), widths[i]).padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function countsLine(counts = {}) {
  const line = ['created', 'updated', 'unchanged', 'marked', 'deleted', 'failed']
    .map((name) => `${name} ${counts[name] ?? 0}`)
    .join(', ');
  return counts.incomplete ? `${line}, written without some values ${counts.incomplete}` : line;
}

/** The status with what it rests on, for the headline: `partial (2 failed, 1 incomplete)`. */
export function verdict(report) {
  const counts = report.counts ?? {};
  const why = [
    counts.failed ? `${counts.failed} failed` : null,
    counts.incomplete ? `${counts.incomplete} written without some values` : null,
  ].filter(Boolean);
  if ((report.status === 'partial' || report.status === 'failed') && why.length) return `${report.status} (${why.join(', ')})`;
  if (report.status === 'stopped') return 'stopped by a guard';
  if (report.status === 'cancelled') return 'cancelled by an admin';
  return String(report.status);
}

function printErrors(report, out) {
  const errors = report.errors ?? [];
  if (!errors.length) return;
  out.write(`\nProblems (${errors.length}${report.errorsOmitted ? ` + ${report.errorsOmitted} more` : ''}):\n`);
  out.write(`${table(['level', 'record', 'attribute', 'message'],
    errors.map((e) => [e.level ?? 'error', e.key ?? '', e.attribute ?? '', e.message]), 60)}\n`);
}

/** Prints a dry run: counts, then creates / updates (old → new) / missing. */
export function printPlan(report, out) {
  const plan = report.plan ?? {};
  out.write(`Preview of import '${report.importId}' (nothing was written): ${verdict(report)}\n`);
  out.write(`Would be: ${countsLine(report.counts)}; missing from JumpCloud ${report.counts?.missing ?? 0}\n`);
  if (report.guard) out.write(`Guard: ${report.guard.reason}\n`);
  if (report.message) out.write(`${report.message}\n`);
  const changeRows = (key, objectKey, changes) =>
    (changes ?? []).map((c) => [key, objectKey ?? '(new)', c.attribute, show(c.old), show(c.new)]);
  const rows = [
    ...(plan.creates ?? []).flatMap((c) => changeRows(c.key, null, c.changes)),
    ...(plan.updates ?? []).flatMap((u) => changeRows(u.key, u.objectKey, u.changes)),
  ];
  if (rows.length) out.write(`\n${table(['record', 'object', 'attribute', 'old', 'new'], rows)}\n`);
  if (plan.missing?.length) {
    out.write(`\n${table(['record', 'object', 'action'], plan.missing.map((m) => [m.key, m.objectKey, m.action]))}\n`);
  }
  printErrors(report, out);
}

/** Prints the end of a run. */
export function printSummary(report, out) {
  const seconds = ((report.durationMs ?? 0) / 1000).toFixed(1);
  out.write(`Import '${report.importId}' run ${report.runId}: ${verdict(report)} in ${seconds}s\n`);
  out.write(`${countsLine(report.counts)}\n`);
  if (report.guard) out.write(`Guard: ${report.guard.reason}\n`);
  if (report.message) out.write(`${report.message}\n`);
  const calls = Object.entries(report.apiCalls ?? {}).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
  if (calls.length) out.write(`API calls: ${calls.join(', ')}\n`);
  printErrors(report, out);
}
