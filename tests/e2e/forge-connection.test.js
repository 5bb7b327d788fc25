// The connection and import names through the real Forge handlers: Test tries typed settings
// without storing them (and never echoes the key), a test of the stored settings is remembered
// for the page's "last tested" line, and two imports cannot share a name.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startSandbox } from '../../dev/sandbox/index.js';

let sandbox;

before(async () => {
  sandbox = await startSandbox({ users: 5, seed: 3, firstSync: false });
});

after(async () => sandbox?.close());

test('a typed key is tested without being stored; the stored one still works', async () => {
  const wrong = 'typed-but-wrong-key-000111';
  const typed = await sandbox.invoke('testConnection', { apiKey: wrong });
  assert.equal(typed.ok, false);
  assert.equal(typed.tested, 'typed');
  assert.match(typed.message, /JumpCloud refused the API key/);
  assert.ok(!JSON.stringify(typed).includes(wrong), 'the key never comes back');
  const connection = await sandbox.invoke('getConnection');
  assert.equal(connection.lastTested, undefined, 'a typed test is not remembered');
  const stored = await sandbox.invoke('testConnection', {});
  assert.equal(stored.ok, true, stored.message);
  assert.equal(stored.tested, 'saved');
  const after = await sandbox.invoke('getConnection');
  assert.equal(after.lastTested.ok, true);
  assert.ok(Math.abs(after.lastTested.at - Date.now()) < 60_000);
  await assert.rejects(sandbox.invoke('testConnection', { apiKey: 7 }), /'apiKey' must be text/);
});

test('two imports cannot share a name (in any case); renaming an import to its own name is fine', async () => {
  const mapping = 'key:id=JumpCloud ID\nmap:name=Name\nconfig:api=usergroups\n';
  const { import: first } = await sandbox.invoke('saveImport', { import: { name: 'Groups', mapping, enabled: false } });
  await assert.rejects(
    sandbox.invoke('saveImport', { import: { name: ' groups ', mapping, enabled: false } }),
    /Another import is already called 'Groups'/,
  );
  const { import: again } = await sandbox.invoke('saveImport', { import: { ...first, name: 'Groups' } });
  assert.equal(again.id, first.id);
});

test('Preview of what the page shows (not saved) previews that text and saves nothing', async () => {
  const saved = (await sandbox.invoke('listImports')).find((i) => i.name === 'Groups');
  const draft = `${saved.mapping}map:description=Description\n`;
  const schema = (await sandbox.invoke('listSchemas')).find((x) => x.name === 'People');
  const group = (await sandbox.invoke('listObjectTypes', { schemaId: schema.id })).find((t) => t.name === 'Group');
  const preview = await sandbox.invoke('previewImport', {
    importId: saved.id, mapping: draft, objectSchemaId: schema.id, objectTypeId: group.id,
  });
  assert.ok(preview.plan, `a plan came back: ${preview.message}`);
  assert.ok(preview.plan.creates.some((c) => c.changes.some((ch) => ch.attribute === 'Description')), 'the draft row is in the plan');
  const after = (await sandbox.invoke('listImports')).find((i) => i.id === saved.id);
  assert.equal(after.mapping, saved.mapping, 'the saved import is unchanged');
  assert.deepEqual(await sandbox.invoke('listRuns', { importId: saved.id }), [], 'a preview leaves no run record');
});
