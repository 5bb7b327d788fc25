// Cancel through the real Forge handlers: a run cancelled while queued ends `cancelled`
// before it reads or writes anything and frees the import for the next run; a finished run
// is left as it is. (Stopping mid-run, between slices, is proven in the engine's tests.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startSandbox } from '../../dev/sandbox/index.js';
import { assetsWrites, objectsByKey } from './helpers.js';

let sandbox;

before(async () => {
  sandbox = await startSandbox({ users: 25, seed: 8, firstSync: false });
});

after(async () => {
  await sandbox?.close();
});

test('a run cancelled while queued writes nothing and the next run goes ahead', async () => {
  const { assets } = sandbox.emulators;
  const from = assets.requests.length;
  const { runId } = await sandbox.invoke('runImport', { importId: sandbox.importId });
  assert.deepEqual(await sandbox.invoke('cancelRun', { importId: sandbox.importId, runId }), { cancelled: true });
  await sandbox.runtime.drainQueues();
  const record = await sandbox.invoke('getRun', { importId: sandbox.importId, runId });
  assert.equal(record.status, 'cancelled', JSON.stringify(record));
  assert.match(record.message, /cancelled by an admin/);
  assert.deepEqual(assetsWrites(assets, from), { create: 0, update: 0, delete: 0 });
  assert.equal(objectsByKey(assets, 'User').size, 0);

  const next = await sandbox.invoke('runImport', { importId: sandbox.importId });
  await sandbox.runtime.drainQueues();
  const done = await sandbox.invoke('getRun', { importId: sandbox.importId, runId: next.runId });
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  assert.equal(objectsByKey(assets, 'User').size, sandbox.emulators.tenant.users.length);

  assert.deepEqual(await sandbox.invoke('cancelRun', { importId: sandbox.importId, runId: next.runId }),
    { cancelled: false, status: 'succeeded' });
  await assert.rejects(sandbox.invoke('cancelRun', { importId: sandbox.importId }), /'runId'/);
});
