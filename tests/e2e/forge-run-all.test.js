// Run all, and a scheduled tick that brings stale dependencies along, through the real Forge
// handlers: the users a due devices import links to are refreshed first when they are older
// than the devices' cycle, not when they are fresh, and an import nothing references is never
// dragged along; Run all runs every enabled import in reference order.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';

import { startSandbox } from '../../dev/sandbox/index.js';
import { objectsByKey, valuesOf } from './helpers.js';

let sandbox;
const ids = {};

const example = (name) => readFile(new URL(`../../examples/${name}`, import.meta.url), 'utf8');
const runsOf = async (importId) => sandbox.invoke('listRuns', { importId });

before(async () => {
  sandbox = await startSandbox({ users: 30, seed: 33, firstSync: false });
  const schema = (await sandbox.invoke('listSchemas')).find((s) => s.name === 'People');
  const types = await sandbox.invoke('listObjectTypes', { schemaId: schema.id });
  const typeId = (name) => types.find((t) => t.name === name).id;
  const save = async (fields) => (await sandbox.invoke('saveImport', { import: { objectSchemaId: schema.id, ...fields } })).import.id;
  const users = (await sandbox.invoke('listImports')).find((i) => i.id === sandbox.importId);
  // The users import runs only when asked: a tick never finds it due by itself.
  ids.users = await save({ ...users, schedule: 'manual' });
  ids.devices = await save({ name: 'Devices', objectTypeId: typeId('Device'), mapping: await example('devices.map'), schedule: 'daily' });
  ids.groups = await save({ name: 'Groups', objectTypeId: typeId('Group'), mapping: await example('groups.map'), schedule: 'manual' });
});

after(async () => {
  await sandbox?.close();
});

test('a due import runs its never-refreshed dependency first; an unreferenced import stays out', async () => {
  await sandbox.runtime.tickScheduledTrigger('tributary-schedule');
  await sandbox.runtime.drainQueues();
  const { assets, tenant } = sandbox.emulators;
  const users = objectsByKey(assets, 'User');
  const devices = objectsByKey(assets, 'Device');
  assert.equal(users.size, tenant.users.length, 'the users were refreshed first');
  assert.equal(devices.size, tenant.systems.length);
  for (const system of tenant.systems.filter((s) => s.primarySystemUser?.id)) {
    assert.deepEqual(valuesOf(assets, devices.get(system._id), 'Owner'), [users.get(system.primarySystemUser.id).id], system._id);
  }
  assert.equal(objectsByKey(assets, 'Group').size, 0, 'nothing references groups: not run');
  assert.deepEqual((await runsOf(ids.groups)).length, 0);
  const [usersRun] = await runsOf(ids.users);
  const [devicesRun] = await runsOf(ids.devices);
  assert.equal(usersRun.status, 'succeeded', JSON.stringify(usersRun));
  assert.equal(devicesRun.status, 'succeeded', JSON.stringify(devicesRun));
  assert.ok(usersRun.finishedAt <= devicesRun.startedAt || usersRun.finishedAt <= devicesRun.finishedAt, 'users before devices');
  assert.ok(devicesRun.errors.every((e) => e.level !== 'error'), JSON.stringify(devicesRun.errors));
});

test('a dependency refreshed within the due import\'s cycle is not run again', async () => {
  const mapping = await example('devices.map');
  const schema = (await sandbox.invoke('listSchemas')).find((s) => s.name === 'People');
  const type = (await sandbox.invoke('listObjectTypes', { schemaId: schema.id })).find((t) => t.name === 'Device');
  const { import: copy } = await sandbox.invoke('saveImport', {
    import: { name: 'Devices again', objectSchemaId: schema.id, objectTypeId: type.id, mapping, schedule: 'daily' },
  });
  const usersRuns = (await runsOf(ids.users)).length;
  await sandbox.runtime.tickScheduledTrigger('tributary-schedule');
  await sandbox.runtime.drainQueues();
  const runs = await runsOf(copy.id);
  assert.equal(runs.length, 1);
  assert.equal(runs[0].status, 'succeeded', JSON.stringify(runs[0]));
  assert.equal(runs[0].counts.unchanged, sandbox.emulators.tenant.systems.length, 'the first devices run wrote them all');
  assert.equal((await runsOf(ids.users)).length, usersRuns, 'users were fresh: not run');
  assert.equal((await runsOf(ids.devices)).length, 1, 'the devices import was not due again');
  assert.equal((await runsOf(ids.groups)).length, 0);
  ids.copy = copy.id;
});

test('Run all runs every enabled import once, in reference order; a disabled one is left', async () => {
  const imports = await sandbox.invoke('listImports');
  const copy = imports.find((i) => i.id === ids.copy);
  await sandbox.invoke('saveImport', { import: { ...copy, enabled: false } });
  const before = Object.fromEntries(await Promise.all(Object.entries(ids).map(async ([name, id]) => [name, (await runsOf(id)).length])));
  const answer = await sandbox.invoke('runAll', {});
  assert.deepEqual([...answer.queued].sort(), [ids.users, ids.devices, ids.groups].sort());
  assert.match(answer.runId, /\S/);
  await sandbox.runtime.drainQueues();
  for (const name of ['users', 'devices', 'groups']) {
    const runs = await runsOf(ids[name]);
    assert.equal(runs.length, before[name] + 1, name);
    assert.equal(runs[0].status, 'succeeded', `${name}: ${JSON.stringify(runs[0])}`);
    assert.ok(runs[0].runId.startsWith(answer.runId), 'one batch');
  }
  assert.equal((await runsOf(ids.copy)).length, before.copy, 'disabled: not run');
  assert.equal(objectsByKey(sandbox.emulators.assets, 'Group').size, sandbox.emulators.tenant.userGroups.length);
  const [devicesRun] = await runsOf(ids.devices);
  const [usersRun] = await runsOf(ids.users);
  assert.ok(usersRun.startedAt <= devicesRun.startedAt, 'users before the devices that name them');
});

test('Run all with nothing enabled queues nothing', async () => {
  for (const item of await sandbox.invoke('listImports')) {
    await sandbox.invoke('saveImport', { import: { ...item, enabled: false } });
  }
  assert.deepEqual(await sandbox.invoke('runAll', {}), { runId: null, queued: [] });
});
