// The wasm core loads in plain Node from the inlined bytes (no file lookup) and answers.
import assert from 'node:assert/strict';
import test from 'node:test';

import * as core from '../../src-js/core/index.js';

test('core loads from inlined bytes and reports its version', () => {
  assert.match(core.coreVersion(), /^\d+\.\d+\.\d+$/);
});

test('core validates a mapping and returns plain diagnostics objects', () => {
  const { diagnostics } = core.validate('map:firstname=First Name\n');
  assert.ok(Array.isArray(diagnostics));
  assert.ok(diagnostics.some((d) => d.severity === 'error' && typeof d.code === 'string' && d.line >= 1));
});
