// The mapping language for CodeMirror: highlighting (a line tokenizer) and completion of
// directives, JumpCloud field paths, Assets attribute names, config keys and row options.
// Every list of names comes from the core (vocabulary, sourceFields) or from the data the page
// holds (the object type's attributes, the last sample): nothing is spelled out here.

import { StreamLanguage } from '@codemirror/language';

const DIRECTIVE = /^(key|map|config):/i;

/**
 * Tokens, per line: `# comment`, the directive (`key:`, `map:`, `config:`), the source side (a
 * field path, or a config name), `=`, the attribute (or config value), then `|option=value`s.
 * `${path}` inside a template or default is a field read.
 */
export const mappingLanguage = StreamLanguage.define({
  name: 'tributary-mapping',
  startState: () => ({ part: 'start', config: false }),
  token(stream, state) {
    if (stream.sol()) {
      state.part = 'start';
      state.config = false;
    }
    if (stream.eatSpace()) return null;
    if (state.part === 'start') {
      if (stream.peek() === '#') {
        stream.skipToEnd();
        return 'comment';
      }
      const directive = stream.match(DIRECTIVE);
      if (directive) {
        state.config = directive[1].toLowerCase() === 'config';
        state.part = 'source';
        return 'keyword';
      }
      stream.skipToEnd();
      return 'invalid';
    }
    if (stream.match('${')) {
      stream.skipTo('}') ? stream.next() : stream.skipToEnd();
      return 'variableName';
    }
    const ch = stream.next();
    if (ch === '=' && state.part === 'source') {
      state.part = 'target';
      return 'operator';
    }
    if (ch === '|' && !state.config) {
      state.part = 'option';
      return 'operator';
    }
    if (ch === '=' && state.part === 'option') {
      state.part = 'optionValue';
      return 'operator';
    }
    // The rest of this part, up to the next separator or template.
    const stop = state.part === 'source' ? /[=$]/ : state.config ? /\$/ : /[|=$]/;
    while (!stream.eol() && !stop.test(stream.peek())) stream.next();
    switch (state.part) {
      case 'source': return state.config ? 'propertyName' : 'variableName';
      case 'target': return state.config ? 'string' : 'typeName';
      case 'option': return 'atom';
      default: return 'string';
    }
  },
  languageData: { commentTokens: { line: '#' } },
});

/** Field paths of JSON records (`a`, `a.b`, `a.0.c`), up to `depth` levels, sorted. */
export function fieldPaths(records, depth = 3) {
  const paths = new Set();
  const walk = (value, prefix, level) => {
    if (level > depth || value === null || typeof value !== 'object') return;
    const entries = Array.isArray(value) ? value.slice(0, 1).map((v) => ['0', v]) : Object.entries(value);
    for (const [key, child] of entries) {
      const path = prefix ? `${prefix}.${key}` : key;
      paths.add(path);
      walk(child, path, level + 1);
    }
  };
  for (const record of records ?? []) walk(record, '', 1);
  return [...paths].sort();
}

/** The collection the mapping reads: its `config:api=` line, else the core's default. */
function collectionOf(text, fallback) {
  const found = /^\s*config:api\s*=\s*(\S+)/im.exec(text);
  return found ? found[1] : fallback;
}

/**
 * A completion source. `names()` gives `{vocabulary, sourceFields(api), attributes, sampleFields}`
 * at the time of asking.
 */
export function mappingCompletions(names) {
  return (context) => {
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    const { vocabulary, sourceFields, attributes, sampleFields } = names();
    const options = (list, type, detail) => list.map((label) => ({ label, type, detail }));
    const word = (pattern) => context.matchBefore(pattern) ?? { from: context.pos, text: '' };

    if (/^\s*[a-z]*$/i.test(before)) {
      const at = word(/[a-z]*/i);
      if (!at.text && !context.explicit) return null;
      return { from: at.from, options: options(['key:', 'map:', 'config:'], 'keyword', 'directive'), validFor: /^[a-z]*:?$/i };
    }
    if (/^\s*config:[A-Za-z]*$/i.test(before)) {
      const at = word(/[A-Za-z]*/);
      return { from: at.from, options: options(vocabulary?.configKeys ?? [], 'property', 'config'), validFor: /^[A-Za-z]*$/ };
    }
    if (/^\s*config:api\s*=\s*[\w/]*$/i.test(before)) {
      const at = word(/[\w/]*/);
      return { from: at.from, options: options(vocabulary?.collections ?? [], 'enum', 'JumpCloud collection'), validFor: /^[\w/]*$/ };
    }
    if (/^\s*config:/i.test(before)) return null;
    // A field path: the source side of key:/map:, or inside ${...}.
    if (/^\s*(key|map):[^=]*$/i.test(before) || /\$\{[^}]*$/.test(before)) {
      const at = word(/[\w.[\]]*/);
      const api = collectionOf(context.state.doc.toString(), vocabulary?.collections?.[0] ?? 'systemusers');
      let spec = [];
      try {
        spec = sourceFields(api);
      } catch {
        // An unknown collection has no field list: the sample's fields still complete.
      }
      const fromSample = (sampleFields ?? []).filter((f) => !spec.includes(f));
      return {
        from: at.from,
        options: [...options(spec, 'variable', 'JumpCloud field'), ...options(fromSample, 'variable', 'in the sample')],
        validFor: /^[\w.[\]]*$/,
      };
    }
    if (/\|[A-Za-z]*$/.test(before)) {
      const at = word(/[A-Za-z]*/);
      return { from: at.from, options: options(vocabulary?.rowOptions ?? [], 'function', 'option'), validFor: /^[A-Za-z]*$/ };
    }
    // The attribute: after `=` on a key:/map: line, before any option.
    if (/^\s*(key|map):[^=]*=[^|]*$/i.test(before)) {
      const at = word(/[^=|]*/);
      if (!attributes.length) return null;
      return {
        from: at.from,
        options: options(attributes, 'type', 'Assets attribute'),
        validFor: /^[^=|]*$/,
      };
    }
    return null;
  };
}
