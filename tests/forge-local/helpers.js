// Shared bits of the local Forge runtime tests. Importing the runtime first matters: it installs
// the platform globals before anything loads @forge/api.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createForgeRuntime, ForgeInvocationError } from '../../dev/forge-local/index.js';

export const FIXTURE_DIR = fileURLToPath(new URL('./fixture', import.meta.url));
export const ADMIN = 'fixture-admin';

export function tempFile(name) {
  return join(mkdtempSync(join(tmpdir(), 'forge-local-')), name);
}

/** A runtime over the fixture app; options are passed through. */
export function fixtureRuntime(options = {}) {
  return createForgeRuntime({ appDir: FIXTURE_DIR, ...options });
}

/** A clock whose time only moves when the test says so (timers stay real). */
export function manualClock(start = Date.UTC(2026, 0, 1)) {
  return {
    t: start,
    now() {
      return this.t;
    },
    advance(ms) {
      this.t += ms;
    },
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h),
  };
}

/** Awaits a failing invocation and returns the ForgeInvocationError after checking its code. */
export async function invocationError(promise, code) {
  const err = await promise.then(
    () => assert.fail(`expected the invocation to fail with ${code}`),
    (e) => e,
  );
  assert.ok(err instanceof ForgeInvocationError, `expected ForgeInvocationError, got ${err}`);
  assert.equal(err.code, code, err.message);
  return err;
}
