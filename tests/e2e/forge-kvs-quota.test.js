// Forge KVS's rate limit through the real Forge handlers: a store that refuses a write with
// 429 RATE_LIMIT_EXCEEDED (its per-minute quota used by another invocation) is waited out and
// the run completes, every user written once (a store that is down, 500, still fails the run
// with E110: tests/e2e/forge-faults.test.js). The pacing that keeps a run under the quota is proven in the core's tests
// (crates/sync/src/engine/storage.rs) and measured by the chain bench.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startSandbox } from '../../dev/sandbox/index.js';
import { assetsWrites, objectsByKey } from './helpers.js';

let sandbox;

before(async () => {
  sandbox = await startSandbox({ users: 25, seed: 9, firstSync: false });
  // This file delivers its events itself.
  sandbox.runtime.drainQueues = async () => ({});
});

after(async () => {
  await sandbox?.close();
});

/** Delivers queued events one at a time until none is left. */
async function deliverAll() {
  const outcomes = [];
  for (let i = 0; i < 50 && sandbox.runtime.queue.pending.length; i += 1) {
    const { results: [one] } = await sandbox.runtime.deliverQueue({ maxEvents: 1, includeDelayed: true });
    if (one) outcomes.push(one.outcome);
  }
  return outcomes;
}

test('a write refused for the rate limit is waited out: the run succeeds, every user once', async () => {
  const { assets, tenant } = sandbox.emulators;
  const from = assets.requests.length;
  const { kvs } = sandbox.runtime;
  const fault = kvs.injectFault({ operations: ['set'], keyPrefix: 'tributary:run:', status: 429, times: 1 });
  const logsBefore = sandbox.runtime.logs.length;
  const { runId } = await sandbox.invoke('runImport', { importId: sandbox.importId });
  assert.deepEqual(await deliverAll(), ['succeeded']);
  fault.remove();
  assert.equal(fault.failed, 1, 'the store refused one write');
  const record = await sandbox.invoke('getRun', { importId: sandbox.importId, runId });
  assert.equal(record.status, 'succeeded', JSON.stringify(record));
  assert.equal(record.counts.created, tenant.users.length);
  assert.equal(objectsByKey(assets, 'User').size, tenant.users.length);
  assert.deepEqual(assetsWrites(assets, from), { create: tenant.users.length, update: 1, delete: 0 });
  const logged = sandbox.runtime.logs.slice(logsBefore).map((l) => l.message).join('\n');
  assert.match(logged, /refused tributary:run:\S+ for its rate limit .*trying again in 5 s/);
});
