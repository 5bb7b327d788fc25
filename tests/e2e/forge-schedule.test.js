// The scheduled trigger through the real Forge handlers: due imports run as one batch in
// reference order (devices after the users they point at), and a duplicate tick runs nothing.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';

import { startSandbox } from '../../dev/sandbox/index.js';
import { objectsByKey, valuesOf } from './helpers.js';

let sandbox;

before(async () => {
  sandbox = await startSandbox({ users: 40, seed: 21, firstSync: false });
  const schema = (await sandbox.invoke('listSchemas')).find((s) => s.name === 'People');
  const types = await sandbox.invoke('listObjectTypes', { schemaId: schema.id });
  const mapping = await readFile(new URL('../../examples/devices.map', import.meta.url), 'utf8');
  // Saved first so that name order would run devices before users: the engine must reorder.
  await sandbox.invoke('saveImport', { import: {
    name: 'A devices', objectSchemaId: schema.id, objectTypeId: types.find((t) => t.name === 'Device').id,
    mapping, schedule: 'daily',
  } });
});

after(async () => {
  await sandbox?.close();
});

test('a tick runs every due import, users before the devices that reference them', async () => {
  await sandbox.runtime.tickScheduledTrigger('tributary-schedule');
  await sandbox.runtime.drainQueues();
  const { assets, tenant } = sandbox.emulators;
  const users = objectsByKey(assets, 'User');
  const devices = objectsByKey(assets, 'Device');
  assert.equal(users.size, tenant.users.length);
  assert.equal(devices.size, tenant.systems.length);
  const owned = tenant.systems.find((s) => s.primarySystemUser?.id);
  assert.deepEqual(valuesOf(assets, devices.get(owned._id), 'Owner'), [users.get(owned.primarySystemUser.id).id]);
  const runs = await sandbox.invoke('listRuns', {});
  assert.ok(runs.length >= 2 && runs.every((r) => r.status === 'succeeded'), JSON.stringify(runs.map((r) => [r.importId, r.status, r.message])));
  assert.ok(runs.every((r) => (r.errors ?? []).every((e) => e.level !== 'error' || !/not found|no object/i.test(e.message))));
});

test('a duplicate tick right after finds nothing due', async () => {
  const before = (await sandbox.invoke('listRuns', {})).length;
  await sandbox.runtime.tickScheduledTrigger('tributary-schedule');
  await sandbox.runtime.drainQueues();
  assert.equal((await sandbox.invoke('listRuns', {})).length, before);
});

test('Save refuses a mapping with errors for an enabled import on a schedule; a manual one is saved and its run says why it did not start', async () => {
  const broken = 'map:firstname=First Name\nkey:_id\nconfig:api=systemusers\n';
  await assert.rejects(
    sandbox.invoke('saveImport', { import: { name: 'Broken', mapping: broken, schedule: 'daily' } }),
    (error) => /Not saved: the import runs daily but its mapping has \d+ errors? \(line \d+, column \d+: /.test(error.message),
  );
  assert.ok(!(await sandbox.invoke('listImports')).some((i) => i.name === 'Broken'), 'nothing was stored');
  const paused = await sandbox.invoke('saveImport', { import: { name: 'Broken paused', mapping: broken, schedule: 'daily', enabled: false } });
  assert.ok(paused.diagnostics.some((d) => d.severity === 'error'));
  const { import: manual, diagnostics } = await sandbox.invoke('saveImport', { import: { name: 'Broken draft', mapping: broken, schedule: 'manual' } });
  assert.ok(diagnostics.some((d) => d.severity === 'error'), 'a draft is saved with its diagnostics');
  const { runId } = await sandbox.invoke('runImport', { importId: manual.id });
  await sandbox.runtime.drainQueues();
  const run = (await sandbox.invoke('listRuns', { importId: manual.id })).find((r) => r.runId === runId);
  assert.equal(run?.status, 'failed', JSON.stringify(run));
  assert.equal(run.error.code, 'E101');
  assert.ok(run.error.diagnostics.length > 0);
});
