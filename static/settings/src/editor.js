// The mapping text editor, on CodeMirror 6: highlighting of the mapping language, the core's
// diagnostics as lint marks at their exact span (hover shows the message, hint and code; each
// fix is one click), completion of directives, JumpCloud field paths, Assets attribute names,
// config keys and row options, and the list of diagnostics below. Recomputed as you type.

import { autocompletion, closeBrackets, completionKeymap, startCompletion } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, isolateHistory } from '@codemirror/commands';
import { syntaxHighlighting } from '@codemirror/language';
import { lintGutter, lintKeymap, setDiagnostics } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView, drawSelection, highlightActiveLine, keymap, lineNumbers } from '@codemirror/view';
import { classHighlighter } from '@lezer/highlight';

import { h, replaceChildren, uid } from './dom.js';
import { fieldPaths, mappingCompletions, mappingLanguage } from './mapping-language.js';

/**
 * The editor's look in Atlassian design tokens (CSS custom properties reach into the shadow
 * root, so Jira's light and dark themes apply), and the mapping language's token colours.
 */
const editorTheme = EditorView.theme({
  '&': { height: '100%', backgroundColor: 'var(--ds-surface, #ffffff)', color: 'var(--ds-text, #172b4d)' },
  '&.cm-focused': { outline: 'none' },
  '.cm-scroller': {
    fontFamily: 'ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace',
    fontSize: '13px', lineHeight: '20px',
  },
  '.cm-content': { caretColor: 'var(--ds-text, #172b4d)', padding: '8px 0' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--ds-text, #172b4d)' },
  '.cm-gutters': {
    backgroundColor: 'var(--ds-surface-sunken, #f7f8f9)', color: 'var(--ds-text-subtlest, #626f86)',
    borderRight: '1px solid var(--ds-border, #dcdfe4)',
  },
  '.cm-activeLine': { backgroundColor: 'var(--ds-background-neutral-subtle-hovered, rgba(9, 30, 66, .04))' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--ds-background-neutral, #f1f2f4)' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground': {
    backgroundColor: 'var(--ds-background-selected, #e9f2ff)',
  },
  '.cm-lintRange-error': { backgroundColor: 'var(--ds-background-danger, #ffeceb)' },
  '.cm-lintRange-warning': { backgroundColor: 'var(--ds-background-warning, #fff7d6)' },
  '.cm-tooltip': {
    backgroundColor: 'var(--ds-surface-overlay, #ffffff)', color: 'var(--ds-text, #172b4d)',
    border: '1px solid var(--ds-border, #dcdfe4)', borderRadius: '3px',
    boxShadow: 'var(--ds-shadow-overlay, 0 8px 24px rgba(9, 30, 66, .25))',
    fontFamily: '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Noto Sans", Ubuntu, sans-serif', fontSize: '13px',
  },
  '.lint-message': { maxWidth: '480px' },
  '.diag-label, .diag-hint': { color: 'var(--ds-text-subtle, #44546f)', marginTop: '2px' },
  '.cm-diagnosticAction': {
    backgroundColor: 'var(--ds-background-brand-bold, #0c66e4)', color: 'var(--ds-text-inverse, #ffffff)', borderRadius: '3px',
  },
  '.cm-tooltip-autocomplete ul li[aria-selected]': {
    backgroundColor: 'var(--ds-background-selected, #e9f2ff)', color: 'var(--ds-text, #172b4d)',
  },
  '.cm-completionDetail': { color: 'var(--ds-text-subtlest, #626f86)' },
  '.tok-keyword': { color: 'var(--ds-text-discovery, #5e4db2)', fontWeight: '600' },
  '.tok-variableName': { color: 'var(--ds-text-accent-blue, #0055cc)' },
  '.tok-typeName': { color: 'var(--ds-text-accent-green, #216e4e)' },
  '.tok-propertyName': { color: 'var(--ds-text-accent-teal, #206a83)' },
  '.tok-operator': { color: 'var(--ds-text-subtle, #44546f)' },
  '.tok-atom': { color: 'var(--ds-text-accent-magenta, #943d73)' },
  '.tok-string': { color: 'var(--ds-text-accent-orange, #a54800)' },
  '.tok-comment': { color: 'var(--ds-text-subtlest, #626f86)', fontStyle: 'italic' },
  '.tok-invalid': { color: 'var(--ds-text-danger, #ae2e24)' },
});

/**
 * Creates the editor. `core` is a `Core` (see core.js); `label` names the field.
 * Returns `{el, textarea, getText, setText, setAttributes, setSample, validateNow, format,
 * diagnostics}`; `textarea` is the element that takes focus (CodeMirror's content).
 */
export function createMappingEditor({ core, label = 'Mapping', onChange } = {}) {
  const labelId = uid('mapping-label');
  const summary = h('p', { class: 'diag-summary', id: uid('diag-summary'), 'aria-live': 'polite' });
  const list = h('ol', { class: 'diag-list', 'aria-label': 'Problems in the mapping' });
  const frame = h('div', { class: 'editor-frame' });
  // CodeMirror styles itself with style sheets it makes at run time. In a shadow root they are
  // adopted (constructed) sheets, which the Custom UI CSP allows; in the document they would be
  // <style> elements, which it refuses (no 'unsafe-inline').
  const shadow = frame.attachShadow({ mode: 'open' });

  let attributes = null; // {json, typeName, names} once an object type is picked
  let sampleFields = [];
  let diagnostics = [];
  let omitted = 0; // diagnostics the core counted but did not send (it sends the first 200)
  let sequence = 0;
  let timer = null;
  let settingText = false;

  const view = new EditorView({
    root: shadow,
    parent: shadow,
    state: EditorState.create({
      doc: '',
      extensions: [
        lineNumbers(),
        history(),
        drawSelection(),
        highlightActiveLine(),
        closeBrackets(),
        mappingLanguage,
        syntaxHighlighting(classHighlighter),
        editorTheme,
        lintGutter(),
        autocompletion({
          override: [mappingCompletions(() => ({
            vocabulary: core.vocabulary,
            sourceFields: (api) => core.sourceFields(api),
            attributes: attributes?.names ?? [],
            sampleFields,
          }))],
        }),
        // Tab is left to the browser (moving focus), so the page stays keyboard usable.
        keymap.of([...completionKeymap, ...lintKeymap, ...historyKeymap, ...defaultKeymap]),
        // aria-label, not aria-labelledby: ids do not reach across the shadow root.
        EditorView.contentAttributes.of({
          'aria-label': label,
          'aria-multiline': 'true',
          class: 'editor-input',
          spellcheck: 'false',
          autocapitalize: 'off',
        }),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged || settingText) return;
          schedule();
          onChange?.();
        }),
      ],
    }),
  });
  const content = view.contentDOM;

  const el = h('div', { class: 'editor' },
    h('span', { class: 'editor-label', id: labelId, text: label, 'aria-hidden': 'true', onclick: () => view.focus() }),
    frame,
    summary,
    list);

  const getText = () => view.state.doc.toString();

  /** Replaces the whole text as one undo step of its own. */
  function replaceAll(text) {
    view.dispatch({
      changes: { from: 0, to: view.state.doc.length, insert: text },
      selection: { anchor: 0 },
      annotations: isolateHistory.of('full'),
    });
  }

  function schedule() {
    clearTimeout(timer);
    // The browser core answers in well under a millisecond; the server is spared keystrokes.
    timer = setTimeout(validateNow, core.mode === 'wasm' ? 30 : 400);
  }

  /** Validates the current text now; resolves with the diagnostics shown. */
  async function validateNow() {
    clearTimeout(timer);
    const mine = ++sequence;
    const text = getText();
    try {
      const result = await core.validate(text, attributes?.json);
      if (mine !== sequence) return diagnostics; // a newer check is on its way
      diagnostics = result.diagnostics;
      omitted = result.omitted ?? 0;
      if (text === getText()) render(text);
      renderList(result.source);
    } catch (error) {
      if (mine !== sequence) return diagnostics;
      summary.className = 'diag-summary diag-summary-error';
      summary.textContent = error.message;
    }
    return diagnostics;
  }

  /** The diagnostics as CodeMirror lint marks over `text` (the document they were made from). */
  function render(text) {
    const marks = diagnostics.flatMap((d) => {
      const [range] = toRanges(text, [d]);
      if (!range) return [];
      return [{
        from: range.start,
        to: range.end,
        severity: d.severity === 'error' ? 'error' : 'warning',
        source: d.code,
        message: d.message,
        renderMessage: () => h('div', { class: 'lint-message', title: d.code },
          h('div', { text: d.message }),
          d.label && d.label !== d.message ? h('div', { class: 'diag-label', text: d.label }) : null,
          d.hint ? h('div', { class: 'diag-hint' }, h('strong', { text: 'Hint: ' }), d.hint) : null),
        actions: (d.fixes || []).map((fix) => ({ name: `Fix: ${fix.title}`, apply: () => applyFix(fix) })),
      }];
    });
    view.dispatch(setDiagnostics(view.state, marks));
    content.setAttribute('aria-invalid', diagnostics.some((d) => d.severity === 'error') ? 'true' : 'false');
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
        h('span', { class: 'diag-message', text: d.message }),
        // The rule's code, for support and the docs: there on hover, not in the sentence.
        h('code', { class: 'diag-code', text: d.code, title: `Rule ${d.code} (see docs/mapping.md)` })),
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

  /** Applies one of the core's fixes (its `utf16Span` indexes the text), undoably. */
  function applyFix(fix) {
    const { start, end } = fix.utf16Span;
    const length = view.state.doc.length;
    view.dispatch({
      annotations: isolateHistory.of('full'),
      changes: { from: Math.min(start, length), to: Math.min(end, length), insert: fix.replacement },
      selection: { anchor: Math.min(start, length) + fix.replacement.length },
      scrollIntoView: true,
    });
    view.focus();
    validateNow();
  }

  function select(d) {
    const [range] = toRanges(getText(), [d]);
    if (range) view.dispatch({ selection: { anchor: range.start, head: Math.max(range.start, range.end) }, scrollIntoView: true });
    view.focus();
  }

  return {
    el,
    textarea: content,
    getText,
    setText(text) {
      settingText = true;
      try {
        replaceAll(text ?? '');
      } finally {
        settingText = false;
      }
      diagnostics = [];
      render(getText());
      return validateNow();
    },
    /** Validates against an object type's attributes from now on (`null` = syntax only). */
    setAttributes(json, typeName) {
      let names = [];
      try {
        names = json ? JSON.parse(json).map((a) => a?.name).filter((n) => typeof n === 'string') : [];
      } catch {
        names = [];
      }
      attributes = json ? { json, typeName: typeName || 'the object type', names } : null;
      return validateNow();
    },
    /** The last sample's records: their field paths complete too. */
    setSample(records) {
      sampleFields = fieldPaths(records);
    },
    /**
     * Adds `line` at the end of the text (a new `map:` row) with the cursor at its end, and
     * focuses the editor; with `complete`, the completion list opens there.
     */
    appendLine(line, { complete = false } = {}) {
      const text = getText();
      const at = text.length;
      const lead = at && !text.endsWith('\n') ? '\n' : '';
      const end = at + lead.length + line.length;
      view.dispatch({
        changes: { from: at, insert: `${lead}${line}\n` },
        selection: { anchor: end },
        scrollIntoView: true,
        annotations: isolateHistory.of('full'),
      });
      view.focus();
      if (complete) startCompletion(view);
    },
    validateNow,
    get diagnostics() {
      return diagnostics;
    },
    /** Rewrites the text in canonical layout; `{ok}` or `{ok:false, message}`. */
    format() {
      if (!core.canFormat()) return { ok: false, message: 'Formatting needs the in-browser core, which is not available here.' };
      try {
        const text = getText();
        const formatted = core.format(text);
        if (typeof formatted !== 'string') throw new Error('the formatter returned nothing');
        const changed = formatted !== text;
        // One undoable change, so Ctrl+Z undoes the formatting.
        if (changed) replaceAll(formatted);
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
