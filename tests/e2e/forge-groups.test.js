// Groups, users with their memberships, and devices with their owners, in one run (the
// scheduler's batch), through the real Forge handlers: every reference lands on the right
// object, whatever order the imports were saved in; a second batch writes nothing.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';

import { startSandbox } from '../../dev/sandbox/index.js';
import { assetsWrites, objectsByKey, valuesOf } from './helpers.js';

let sandbox;
let ids;

const example = (name) => readFile(new URL(`../../examples/${name}`, import.meta.url), 'utf8');

before(async () => {
  sandbox = await startSandbox({ users: 40, seed: 31, firstSync: false });
  const schema = (await sandbox.invoke('listSchemas')).find((s) => s.name === 'People');
  const types = await sandbox.invoke('listObjectTypes', { schemaId: schema.id });
  const save = async (name, file, typeName) => (await sandbox.invoke('saveImport', { import: {
    name, objectSchemaId: schema.id, objectTypeId: types.find((t) => t.name === typeName).id,
    mapping: await example(file), schedule: 'manual',
  } })).import.id;
  await sandbox.invoke('deleteImport', { id: sandbox.importId });
  // Saved devices first, groups last: the engine orders them by their references.
  ids = [
    await save('Devices', 'devices.map', 'Device'),
    await save('Users', 'users-with-groups.map', 'User'),
    await save('Groups', 'groups.map', 'Group'),
  ];
});

after(async () => {
  await sandbox?.close();
});

async function batch(runId) {
  await sandbox.runtime.invokeFunction('sync-worker', { body: { importIds: ids, runId, slice: 0 } });
  await sandbox.runtime.drainQueues();
}

test('one batch makes groups, users in their groups, and devices linked to owners', async () => {
  await batch('batch-1');
  const { assets, tenant } = sandbox.emulators;
  const groups = objectsByKey(assets, 'Group');
  const users = objectsByKey(assets, 'User');
  const devices = objectsByKey(assets, 'Device');
  assert.equal(groups.size, tenant.userGroups.length);
  assert.equal(users.size, tenant.users.length);
  assert.equal(devices.size, tenant.systems.length);
  const group = tenant.userGroups.find((g) => g.members.length > 0);
  const member = users.get(group.members[0]);
  assert.ok(valuesOf(assets, member, 'Groups').includes(groups.get(group.id).id), 'membership is a reference to the Group object');
  const owned = tenant.systems.find((s) => s.primarySystemUser?.id);
  assert.deepEqual(valuesOf(assets, devices.get(owned._id), 'Owner'), [users.get(owned.primarySystemUser.id).id]);
  const runs = await sandbox.invoke('listRuns', {});
  const failed = runs.filter((r) => r.status !== 'succeeded');
  assert.deepEqual(failed.map((r) => [r.importId, r.status, r.message]), []);
});

test('a second batch writes nothing', async () => {
  const from = sandbox.emulators.assets.requests.length;
  await batch('batch-2');
  assert.deepEqual(assetsWrites(sandbox.emulators.assets, from), { create: 0, update: 0, delete: 0 });
  assert.deepEqual(sandbox.emulators.violations(), []);
});
