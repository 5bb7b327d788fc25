// The page keeps only labels keyed by code; the codes come from the core's vocabulary. Every
// code the core knows must have words on the page, and the page must not label codes the core
// has dropped (a twin list drifting away).
import assert from 'node:assert/strict';
import test from 'node:test';

import { vocabulary } from '../../src-js/core/index.js';
import {
  MISSING_ACTION_LABELS, PHASE_LABELS, REGION_LABELS, RETIRE_ACTION_LABELS, SCHEDULE_LABELS, STATUS_LABELS, WEEKDAY_LABELS,
} from '../../static/settings/src/labels.js';

// Statuses of the resolvers' (background previews, queued and interrupted runs), not the engine's.
const PAGE_ONLY_STATUSES = ['queued', 'running', 'interrupted'];

test('every code of the core has a label on the page, and no label outlives its code', () => {
  const v = vocabulary();
  const cases = [
    ['run status', v.runStatuses, STATUS_LABELS, PAGE_ONLY_STATUSES],
    ['run phase', v.runPhases, PHASE_LABELS, []],
    ['schedule', v.schedules, SCHEDULE_LABELS, []],
    ['weekday', v.weekdays, WEEKDAY_LABELS, []],
    ['region', v.regions.map((r) => r.code), REGION_LABELS, []],
    ['missing-object action', v.missingActions, MISSING_ACTION_LABELS, []],
    ['missing-object verdict', v.retireActions, RETIRE_ACTION_LABELS, []],
  ];
  for (const [what, codes, labels, pageOnly] of cases) {
    for (const code of codes) assert.ok(labels[code], `no label for ${what} '${code}'`);
    const extra = Object.keys(labels).filter((k) => !codes.includes(k) && !pageOnly.includes(k));
    assert.deepEqual(extra, [], `labels for ${what} codes the core does not have`);
  }
});
