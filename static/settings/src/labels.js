// Words for the codes the core defines (its `vocabulary()`): the page keeps only labels keyed
// by code, never its own lists of codes. tests/settings/labels.test.js checks that every code
// the core knows has a label here.

/**
 * Run status → words. `queued` and `running` are the resolvers' (a run started here the queue
 * has not begun; a background preview); `interrupted`, a run that stopped before it finished.
 */
export const STATUS_LABELS = {
  queued: 'Queued',
  running: 'Running',
  interrupted: 'Interrupted',
  continue: 'Running',
  succeeded: 'Succeeded',
  partial: 'Partial',
  stopped: 'Stopped by a guard',
  cancelled: 'Cancelled',
  failed: 'Failed',
  busy: 'Skipped',
};

/** Run phase → words. */
export const PHASE_LABELS = {
  config: 'Starting',
  target: 'Finding the Assets object type',
  readSource: 'Reading JumpCloud',
  readAssets: 'Reading Assets',
  write: 'Writing to Assets',
  done: 'Done',
};

/** `config:missing` action → the policy picker's words (docs/mapping.md, `missing`). */
export const MISSING_ACTION_LABELS = {
  ignore: 'Leave the object as it is',
  mark: 'Mark it (set attributes)',
  delete: 'Delete it',
};

/** What a run did with a missing object → words (a mark's values follow in the report). */
export const RETIRE_ACTION_LABELS = {
  ignore: 'Left alone',
  mark: 'Marked',
  delete: 'Deleted',
  guarded: 'Left alone: stopped by the safety guard',
};

/** Schedule → words. */
export const SCHEDULE_LABELS = {
  manual: 'Manual only',
  fiveMinutes: 'Every 5 minutes',
  hourly: 'Every hour',
  daily: 'Every day',
  weekly: 'Every week',
};

/** Weekday (of a weekly schedule) → words. */
export const WEEKDAY_LABELS = {
  monday: 'Monday',
  tuesday: 'Tuesday',
  wednesday: 'Wednesday',
  thursday: 'Thursday',
  friday: 'Friday',
  saturday: 'Saturday',
  sunday: 'Sunday',
};

/** JumpCloud region → words (the host name comes from the core). */
export const REGION_LABELS = {
  US: 'US',
  EU: 'EU',
  IN: 'India',
};
