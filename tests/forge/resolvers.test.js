// Every resolver, called through the local Forge runtime with the app's own handlers: refused
// for a user who is not a Jira admin, and refused with a message naming the field for a payload
// of the wrong shape — nothing a page sends reaches the core or storage unchecked.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { startAssetsEmulator } from '../../dev/emulators/index.js';
import { createForgeRuntime } from '../../dev/forge-local/index.js';

const appDir = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN = '5b10ac8d82e05b22cc7d4ef5';
const NOT_ADMIN = '5b10a2844c20165700ede21g';
const RESOLVERS = [
  'getVersion', 'validateMapping', 'getConnection', 'saveConnection', 'testConnection', 'listSchemas',
  'listObjectTypes', 'getAttributes', 'listImports', 'saveImport', 'deleteImport', 'fetchSample',
  'previewImport', 'runImport', 'runAll', 'cancelRun', 'getRun', 'getRunResults', 'listRuns', 'setupSchema',
];

let jira;
let runtime;
before(async () => {
  jira = await startAssetsEmulator({ jira: { admins: [ADMIN] } });
  runtime = await createForgeRuntime({ appDir, jiraBaseUrl: jira.url });
});
after(async () => jira?.close());

const call = (name, payload, accountId = ADMIN) => runtime.invokeResolver('tributary-main', name, payload, { accountId });
const message = (error) => error.cause?.message ?? error.message;

test('every resolver refuses a user who is not a Jira admin, whatever the payload', async () => {
  for (const name of RESOLVERS) {
    await assert.rejects(call(name, {}, NOT_ADMIN), (error) => /Only Jira administrators/.test(message(error)), name);
  }
});

test('payloads of the wrong shape are refused, naming the field', async () => {
  const cases = [
    ['validateMapping', { text: 42 }, /'text' must be text, not number/],
    ['validateMapping', { text: 'key:_id=id', attributesJson: { id: '1' } }, /'attributesJson' must be text, not object/],
    ['validateMapping', { text: 'key:_id=id', attributesJson: 7 }, /'attributesJson' must be text, not number/],
    ['validateMapping', {}, /'text' is missing/],
    ['listObjectTypes', { schemaId: '1 OR 1=1' }, /'schemaId' must be a numeric Assets id/],
    ['getAttributes', { objectTypeId: { $gt: 1 } }, /'objectTypeId' must be a numeric Assets id/],
    ['fetchSample', { mapping: 'key:_id=id', limit: 1e9 }, /'limit' must be a whole number from 1 to 100/],
    ['fetchSample', { mapping: 'key:_id=id', limit: '5' }, /'limit' must be a whole number/],
    ['saveImport', { import: 'x' }, /'import' must be an object, not string/],
    ['saveImport', { import: { name: 'n', mapping: 'key:_id=id', enabled: 'no' } }, /'enabled' must be true or false/],
    ['saveImport', { import: { name: 'n', mapping: 'key:_id=id', lastScheduledAt: 1e300 } }, /'lastScheduledAt' must be a time/],
    ['saveImport', { import: { name: 'n', mapping: 'key:_id=id', objectTypeId: 'abc' } }, /'objectTypeId' must be a numeric Assets id/],
    ['runImport', { importId: ['a'] }, /'importId' must be text, not a list/],
    ['listRuns', { limit: -1 }, /'limit' must be a whole number from 1 to 500/],
    ['saveConnection', { region: 'EU', apiKey: 12 }, /'apiKey' must be text/],
    ['getVersion', { extra: true }, /unknown field 'extra'/],
    ['setupSchema', { importIds: 'users' }, /'importIds' must be a list, not string/],
    ['setupSchema', { importIds: [7] }, /'importIds' item 0 must be text, not number/],
    ['setupSchema', { dryRun: 'yes' }, /'dryRun' must be true or false/],
  ];
  for (const [name, payload, expected] of cases) {
    await assert.rejects(call(name, payload), (error) => expected.test(message(error)), `${name} ${JSON.stringify(payload)}`);
  }
  // Nothing was stored by the refused saves.
  assert.deepEqual(await call('listImports', {}), []);
});

test('well-formed payloads still work', async () => {
  const { diagnostics } = await call('validateMapping', { text: 'map:firstname=First Name\n' });
  assert.ok(diagnostics.some((d) => d.code === 'E001'));
  const { import: saved } = await call('saveImport', { import: { name: 'Users', mapping: 'key:_id=id\nconfig:api=systemusers\n', enabled: false } });
  assert.equal(saved.enabled, false);
  assert.equal((await call('listImports', {})).length, 1);
});
