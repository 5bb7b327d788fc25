// *Set up schema* through the real Forge handlers on the local Forge runtime: the resolver
// creates what the saved imports need with the app's own scopes, a second call creates
// nothing, and an import then syncs into the new type.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startSandbox } from '../../dev/sandbox/index.js';
import { objectsByKey, valuesOf } from './helpers.js';

const CONTRACTORS = `key:_id=Contractor ID
map:displayname=Name|default=\${firstname} \${lastname}
map:email=Email
map:manager=Supervisor|byKey|objectType=Contractor
map:activated=Activated
config:api=systemusers
config:objectSchema=People
config:objectType=Contractor
`;

let sandbox;
let importId;

before(async () => {
  sandbox = await startSandbox({ users: 25, seed: 11, firstSync: false });
  const { import: saved } = await sandbox.invoke('saveImport', {
    import: { name: 'Contractors', mapping: CONTRACTORS, enabled: false, schedule: 'manual' },
  });
  importId = saved.id;
});

after(async () => sandbox?.close());

test('a dry run lists what the import needs and creates nothing', async () => {
  const types = sandbox.emulators.assets.state.objectTypes.size;
  const report = await sandbox.invoke('setupSchema', { importIds: [importId], dryRun: true });
  assert.equal(report.status, 'succeeded', JSON.stringify(report.problems));
  assert.deepEqual(
    report.created.map((c) => c.attribute ?? `type ${c.objectType}`),
    ['type Contractor', 'Contractor ID', 'Activated', 'Email', 'Supervisor'],
  );
  assert.equal(sandbox.emulators.assets.state.objectTypes.size, types);
});

test('set-up creates them with the app\'s scopes; a second call creates nothing', async () => {
  const report = await sandbox.invoke('setupSchema', { importIds: [importId] });
  assert.equal(report.status, 'succeeded', JSON.stringify(report.problems));
  assert.ok(report.created.every((c) => c.id));
  const state = sandbox.emulators.assets.state;
  const type = [...state.objectTypes.values()].find((t) => t.name === 'Contractor');
  const supervisor = state.attributesOf(type.id).find((a) => a.name === 'Supervisor');
  assert.equal(supervisor.typeValue, type.id);
  const again = await sandbox.invoke('setupSchema', { importIds: [importId] });
  assert.deepEqual(again.created, []);
  assert.equal(again.status, 'succeeded');
});

test('the import then syncs into the new type', async () => {
  const { runId } = await sandbox.invoke('runImport', { importId });
  await sandbox.runtime.drainQueues();
  const run = (await sandbox.invoke('listRuns', { importId })).find((r) => r.runId === runId);
  assert.equal(run.status, 'succeeded', JSON.stringify(run.errors?.slice(0, 3)));
  const assets = sandbox.emulators.assets;
  const objects = objectsByKey(assets, 'Contractor', 'Contractor ID');
  assert.equal(objects.size, sandbox.emulators.tenant.users.length);
  const managed = sandbox.emulators.tenant.users.find((u) => u.manager);
  assert.deepEqual(valuesOf(assets, objects.get(managed._id), 'Supervisor'), [objects.get(managed.manager).id]);
});
