// The product's main job end to end, through the real Forge handlers on the local Forge
// runtime (real @forge/* packages) against the JumpCloud and Assets emulators: initial import,
// a second run that writes nothing, and directory changes that produce exactly their writes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startSandbox } from '../../dev/sandbox/index.js';
import { assetsWrites, objectsByKey, valuesOf } from './helpers.js';

let sandbox;
let assets;
let tenant;

async function runOnce() {
  const from = assets.requests.length;
  const { runId } = await sandbox.invoke('runImport', { importId: sandbox.importId });
  await sandbox.runtime.drainQueues();
  const run = (await sandbox.invoke('listRuns', { importId: sandbox.importId })).find((r) => r.runId === runId);
  return { run, writes: assetsWrites(assets, from) };
}

before(async () => {
  sandbox = await startSandbox({ users: 150, seed: 7, firstSync: false });
  assets = sandbox.emulators.assets;
  tenant = sandbox.emulators.tenant;
});

after(async () => {
  await sandbox?.close();
});

test('initial import creates one User object per JumpCloud user, managers linked', async () => {
  const { run, writes } = await runOnce();
  assert.equal(run.status, 'succeeded', JSON.stringify(run.errors?.slice(0, 5)));
  assert.equal(run.counts.created, tenant.users.length);
  assert.equal(writes.create + writes.update >= tenant.users.length, true);
  const objects = objectsByKey(assets, 'User');
  assert.equal(objects.size, tenant.users.length);
  const withManager = tenant.users.find((u) => u.manager && objects.has(u.manager));
  assert.ok(withManager, 'the tenant has a user with a manager');
  const managerObject = objects.get(withManager.manager);
  assert.deepEqual(valuesOf(assets, objects.get(withManager._id), 'Manager'), [managerObject.id]);
  const first = tenant.users[0];
  assert.deepEqual(valuesOf(assets, objects.get(first._id), 'First Name'), [first.firstname]);
});

test('a second run with nothing changed writes nothing', async () => {
  const { run, writes } = await runOnce();
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(writes, { create: 0, update: 0, delete: 0 });
  assert.equal(run.counts.unchanged, tenant.users.length);
});

test('rename, promotion, new hire each produce exactly their writes', async () => {
  const [renamed, promoted, manager] = tenant.users.filter((u) => u.state === 'ACTIVATED').slice(3, 6);
  tenant.rename(renamed._id, { firstname: 'Zoë', lastname: "O'Neil" });
  tenant.promote(promoted._id, { jobTitle: 'Head of Everything', managerId: manager._id });
  const hire = tenant.hire({ firstname: 'Nina', lastname: 'Novak', manager: manager._id });
  const { run, writes } = await runOnce();
  assert.equal(run.status, 'succeeded', JSON.stringify(run.errors?.slice(0, 5)));
  assert.equal(run.counts.created, 1);
  assert.equal(run.counts.updated, 2);
  assert.deepEqual(writes, { create: 1, update: 2, delete: 0 });
  const objects = objectsByKey(assets, 'User');
  assert.deepEqual(valuesOf(assets, objects.get(renamed._id), 'First Name'), ['Zoë']);
  assert.deepEqual(valuesOf(assets, objects.get(promoted._id), 'Job Title'), ['Head of Everything']);
  assert.deepEqual(valuesOf(assets, objects.get(promoted._id), 'Manager'), [objects.get(manager._id).id]);
  assert.ok(objects.has(hire._id));
});

test('every request the app sent was valid against the vendor specs', () => {
  assert.deepEqual(sandbox.emulators.violations(), []);
});

test('secrets never reach the Forge logs', () => {
  assert.ok(!sandbox.runtime.logText().includes('sandbox-jumpcloud-key'));
});
