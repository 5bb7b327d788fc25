// The missing-objects policy and its guards as form controls over the mapping text: the text
// stays the one definition (the `config:missing`, `config:maxDeletions` and `config:maxClears`
// lines, docs/mapping.md); each control reads its line and rewrites only that line, and an
// edit of the text shows in the controls at once. The core checks what they write.

import Select from '@atlaskit/select';
import Textfield from '@atlaskit/textfield';
import { useId } from 'react';

import { MISSING_ACTION_LABELS } from './labels.js';

/** The `config:<key>=` line's value in `text`, or null without one (the last one counts). */
export function configValue(text, key) {
  let found = null;
  for (const line of text.split('\n')) {
    const match = /^\s*config:([A-Za-z]+)\s*=(.*)$/.exec(line);
    if (match && match[1] === key) found = match[2].trim();
  }
  return found;
}

/** `text` with its `config:<key>=` line set to `value` (added at the end; removed for ''). */
export function withConfigValue(text, key, value) {
  const lines = text.split('\n');
  const at = lines.findIndex((line) => new RegExp(`^\\s*config:${key}\\s*=`).test(line));
  if (at >= 0) {
    if (value === '') lines.splice(at, 1);
    else lines[at] = `config:${key}=${value}`;
    return lines.join('\n');
  }
  if (value === '') return text;
  const body = text.replace(/\n*$/, '');
  return `${body}${body ? '\n' : ''}config:${key}=${value}\n`;
}

/**
 * The policy controls; `onText(next)` replaces the mapping text. `actions` is the core's
 * `vocabulary().missingActions`, the default (the mapping's without a `missing` line) first.
 */
export function PolicyControls({ text, onText, actions }) {
  const ids = { missing: useId(), marks: useId(), maxDeletions: useId(), maxClears: useId(), help: useId() };
  const choices = actions.map((value) => ({ value, label: MISSING_ACTION_LABELS[value] ?? value }));
  const [byDefault] = actions;
  const missing = configValue(text, 'missing') ?? byDefault;
  const [action, ...marks] = missing.split('|');
  const choice = choices.find((c) => c.value === action.trim()) ?? null;
  const maxDeletions = configValue(text, 'maxDeletions') ?? '';
  const maxClears = configValue(text, 'maxClears') ?? '';
  const setMissing = (next) => onText(withConfigValue(text, 'missing', next === byDefault && configValue(text, 'missing') === null ? '' : next));
  return (
    <fieldset className="policy">
      <legend className="label-like">When a record leaves JumpCloud</legend>
      <div className="schedule-row">
        <div className="field">
          <label htmlFor={ids.missing}>Its Assets object</label>
          <Select classNamePrefix="tb-select" inputId={ids.missing} options={choices} value={choice} isSearchable={false}
            placeholder={`As the mapping says: ${action}`}
            onChange={(o) => setMissing(o.value === 'mark' ? `mark|${marks.join('|') || 'Status=Inactive'}` : o.value)} />
        </div>
        {choice?.value === 'mark' && (
          <div className="field">
            <label htmlFor={ids.marks}>Mark with</label>
            <Textfield id={ids.marks} value={marks.join('|')} placeholder="Status=Inactive|Notes=Left JumpCloud"
              onChange={(e) => setMissing(`mark|${e.target.value}`)} />
          </div>
        )}
        <div className="field">
          <label htmlFor={ids.maxDeletions}>Retire at most</label>
          <Textfield id={ids.maxDeletions} value={maxDeletions} placeholder="no limit" aria-describedby={ids.help}
            onChange={(e) => onText(withConfigValue(text, 'maxDeletions', e.target.value.trim()))} />
        </div>
        <div className="field">
          <label htmlFor={ids.maxClears}>Clear at most</label>
          <Textfield id={ids.maxClears} value={maxClears} placeholder="10%" aria-describedby={ids.help}
            onChange={(e) => onText(withConfigValue(text, 'maxClears', e.target.value.trim()))} />
        </div>
      </div>
      <p className="help" id={ids.help}>
        A count (25) or a share of the objects (5%). A run that would mark or delete more retires none; one that would
        clear one attribute on more objects keeps those values. These controls write the mapping’s config: lines.
      </p>
    </fieldset>
  );
}
