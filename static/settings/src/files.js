// Files the page offers for download (preview plans, run results): CSV safe for spreadsheets,
// handed over as a blob: URL, so nothing leaves the browser.

import { h, showValue } from './dom.js';

/** One CSV cell: quoted when it holds a comma, quote or line break; formulas defused. */
function csvCell(value) {
  let text = showValue(value);
  if (text === '—') text = '';
  // A leading = + - @ would run as a formula in a spreadsheet.
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows (the first one the header) as CSV text with CRLF line ends. */
export function csvText(rows) {
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/** `2026-12-02-20-15-00`: now, for file names. */
export function timestampForFile(date = new Date()) {
  return date.toISOString().slice(0, 19).replace(/[:T]/g, '-');
}

/** Offers `text` as a file download named `name`. */
export function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h('a', { href: url, download: name, class: 'visually-hidden' });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
