// The mapping text editor: a plain <textarea> (so typing, undo, selection and screen readers
// behave natively) over a backdrop that draws squiggles under diagnostic spans, with a gutter
// of line numbers and the list of diagnostics below. Diagnostics are recomputed as you type.

import { h, replaceChildren, uid } from './dom.js';

/**
 * Creates the editor. `core` is a `Core` (see core.js); `label` names the field.
 * Returns `{el, textarea, getText, setText, setAttributes, validateNow, format, diagnostics}`.
 */
export function createMappingEditor({ core, label = 'Mapping', onChange } = {}) {
  const textarea = h('textarea', {
    class: 'editor-input',
    id: uid('mapping'),
    spellcheck: false,
    wrap: 'off',
    autocomplete: 'off',
    autocapitalize: 'off',
    rows: 12,
  });
  const backdrop = h('pre', { class: 'editor-backdrop', 'aria-hidden': 'true' });
  const gutter = h('div', { class: 'editor-gutter-inner' });
  const summary = h('p', { class: 'diag-summary', id: uid('diag-summary'), 'aria-live': 'polite' });
  const list = h('ol', { class: 'diag-list', 'aria-label': 'Problems in the mapping' });
  textarea.setAttribute('aria-describedby', summary.id);

  const el = h('div', { class: 'editor' },
    h('label', { for: textarea.id, class: 'editor-label', text: label }),
    h('div', { class: 'editor-frame' },
      h('div', { class: 'editor-gutter', 'aria-hidden': 'true' }, gutter),
      h('div', { class: 'editor-code' }, backdrop, textarea)),
    summary,
    list);

  let attributes = null; // {json, typeName} once an object type is picked
  let diagnostics = [];
  let omitted = 0; // diagnostics the core counted but did not send (it sends the first 200)
  let sequence = 0;
  let timer = null;

  function syncScroll() {
    backdrop.style.transform = `translate(${-textarea.scrollLeft}px, ${-textarea.scrollTop}px)`;
    gutter.style.transform = `translateY(${-textarea.scrollTop}px)`;
  }
  textarea.addEventListener('scroll', syncScroll);
  textarea.addEventListener('input', () => {
    render();
    schedule();
    onChange?.();
  });

  function schedule() {
    clearTimeout(timer);
    // The browser core answers in well under a millisecond; the server is spared keystrokes.
    timer = setTimeout(validateNow, core.mode === 'wasm' ? 30 : 400);
  }

  /** Validates the current text now; resolves with the diagnostics shown. */
  async function validateNow() {
    clearTimeout(timer);
    const mine = ++sequence;
    const text = textarea.value;
    try {
      const result = await core.validate(text, attributes?.json);
      if (mine !== sequence) return diagnostics; // a newer check is on its way
      diagnostics = result.diagnostics;
      omitted = result.omitted ?? 0;
      render();
      renderList(result.source);
    } catch (error) {
      if (mine !== sequence) return diagnostics;
      summary.className = 'diag-summary diag-summary-error';
      summary.textContent = error.message;
    }
    return diagnostics;
  }

  function render() {
    const text = textarea.value;
    const ranges = toRanges(text, diagnostics);
    replaceChildren(backdrop, highlight(text, ranges), '\n');
    const lineCount = text.split('\n').length;
    const worstByLine = new Map();
    for (const d of diagnostics) {
      for (let line = d.line; line <= Math.max(d.line, d.endLine || d.line); line += 1) {
        if (worstByLine.get(line) !== 'error') worstByLine.set(line, d.severity);
      }
    }
    const numbers = [];
    for (let line = 1; line <= lineCount; line += 1) {
      const severity = worstByLine.get(line);
      numbers.push(h('div', { class: severity ? `gutter-line gutter-${severity}` : 'gutter-line', text: line }));
    }
    replaceChildren(gutter, numbers);
    textarea.setAttribute('aria-invalid', diagnostics.some((d) => d.severity === 'error') ? 'true' : 'false');
    syncScroll();
  }

  function renderList(source) {
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = diagnostics.length - errors;
    const scope = attributes
      ? `checked against the attributes of ${attributes.typeName}`
      : 'syntax only; pick an object type to check attribute names';
    const by = source === 'server' ? 'by the server' : 'in your browser';
    summary.className = errors ? 'diag-summary diag-summary-error' : 'diag-summary diag-summary-ok';
    const more = omitted ? `; ${omitted} more not shown, fix these first` : '';
    summary.textContent = diagnostics.length === 0
      ? `No problems found (${scope}, ${by}).`
      : `${[errors && count(errors, 'error'), warnings && count(warnings, 'warning')].filter(Boolean).join(', ')} (${scope}, ${by}${more}).`;
    const sorted = [...diagnostics].sort((a, b) => a.line - b.line || a.column - b.column);
    replaceChildren(list, sorted.map((d) => diagnosticItem(d)));
  }

  function diagnosticItem(d) {
    const jump = h('button', {
      type: 'button',
      class: 'diag-loc link-button',
      text: `${d.line}:${d.column}`,
      'aria-label': `Go to line ${d.line}, column ${d.column}`,
      onclick: () => select(d),
    });
    return h('li', { class: `diag diag-${d.severity}` },
      h('div', { class: 'diag-head' },
        jump,
        h('span', { class: `sev sev-${d.severity}`, text: d.severity === 'error' ? 'Error' : 'Warning' }),
        h('code', { class: 'diag-code', text: d.code }),
        h('span', { class: 'diag-message', text: d.message })),
      d.label && d.label !== d.message ? h('div', { class: 'diag-label', text: d.label }) : null,
      d.hint ? h('div', { class: 'diag-hint' }, h('strong', { text: 'Hint: ' }), d.hint) : null,
      (d.notes || []).length ? h('ul', { class: 'diag-notes' }, d.notes.map((n) => h('li', { text: n }))) : null,
      (d.fixes || []).length
        ? h('div', { class: 'diag-fixes' }, d.fixes.map((fix) => h('button', {
          type: 'button',
          class: 'diag-fix link-button',
          text: `Fix: ${fix.title}`,
          onclick: () => applyFix(fix),
        })))
        : null);
  }

  /** Applies one of the core's fixes (its `utf16Span` indexes this string), undoably. */
  function applyFix(fix) {
    const { start, end } = fix.utf16Span;
    textarea.focus();
    textarea.setSelectionRange(start, end);
    if (!document.execCommand?.('insertText', false, fix.replacement)) textarea.setRangeText(fix.replacement, start, end, 'end');
    render();
    onChange?.();
    validateNow();
  }

  function select(d) {
    const [range] = toRanges(textarea.value, [d]);
    textarea.focus();
    if (range) textarea.setSelectionRange(range.start, Math.max(range.start, range.end));
  }

  return {
    el,
    textarea,
    getText: () => textarea.value,
    setText(text) {
      textarea.value = text ?? '';
      diagnostics = [];
      render();
      return validateNow();
    },
    /** Validates against an object type's attributes from now on (`null` = syntax only). */
    setAttributes(json, typeName) {
      attributes = json ? { json, typeName: typeName || 'the object type' } : null;
      return validateNow();
    },
    validateNow,
    get diagnostics() {
      return diagnostics;
    },
    /** Rewrites the text in canonical layout; `{ok}` or `{ok:false, message}`. */
    format() {
      if (!core.canFormat()) return { ok: false, message: 'Formatting needs the in-browser core, which is not available here.' };
      try {
        const formatted = core.format(textarea.value);
        if (typeof formatted !== 'string') throw new Error('the formatter returned nothing');
        const changed = formatted !== textarea.value;
        if (changed) {
          // Through the editing commands when possible, so Ctrl+Z undoes the formatting.
          textarea.focus();
          textarea.select();
          if (!document.execCommand?.('insertText', false, formatted)) textarea.value = formatted;
          textarea.setSelectionRange(0, 0);
          render();
          onChange?.();
        }
        validateNow();
        return { ok: true, changed };
      } catch (error) {
        return { ok: false, message: `The mapping could not be formatted: ${error?.message || error}. Fix the errors listed below first.` };
      }
    },
  };
}

function count(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Converts diagnostics to ranges `{start, end, severity}` in `text`, from the core's UTF-16
 * spans (JavaScript string offsets). Empty spans are widened to the character they sit on,
 * except at a line end, where they stay empty (drawn as a caret).
 */
export function toRanges(text, diagnostics) {
  const ranges = [];
  for (const d of diagnostics) {
    if (!d.utf16Span || !Number.isInteger(d.utf16Span.start)) continue;
    const start = Math.min(d.utf16Span.start, text.length);
    let end = Math.min(Math.max(d.utf16Span.start, d.utf16Span.end), text.length);
    if (end === start && start < text.length && text[start] !== '\n') end = start + 1;
    ranges.push({ start, end, severity: d.severity });
  }
  return ranges;
}

/** The backdrop's content: text nodes with <mark>s over diagnostic ranges (worst severity wins). */
function highlight(text, ranges) {
  const points = new Set([0, text.length]);
  for (const r of ranges) {
    points.add(r.start);
    points.add(r.end);
  }
  const sorted = [...points].sort((a, b) => a - b);
  const out = [];
  for (const r of ranges) {
    if (r.start === r.end) r.caret = true;
  }
  for (let i = 0; i < sorted.length; i += 1) {
    const at = sorted[i];
    for (const r of ranges) {
      if (r.caret && r.start === at) out.push(h('span', { class: `mark-caret mark-${r.severity}` }));
    }
    if (i === sorted.length - 1) break;
    const next = sorted[i + 1];
    const piece = text.slice(at, next);
    const covering = ranges.filter((r) => r.start <= at && r.end >= next && r.end > r.start);
    if (!covering.length) out.push(piece);
    else {
      const severity = covering.some((r) => r.severity === 'error') ? 'error' : 'warning';
      out.push(h('mark', { class: `mark mark-${severity}`, text: piece }));
    }
  }
  return out;
}
