// manifest.yml must pass Forge's own full validation (@forge/manifest, the code `forge lint`
// and `forge deploy` run) with no errors and no warnings.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

import { validate } from '@forge/manifest';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('manifest.yml passes @forge/manifest validate() with zero errors and warnings', async () => {
  const cwd = process.cwd();
  process.chdir(root); // handlers and resources are checked relative to the app directory
  try {
    const result = await validate(false, join(root, 'manifest.yml'));
    assert.deepEqual(result.errors ?? [], [], JSON.stringify(result.errors, null, 2));
    assert.equal(result.success, true);
  } finally {
    process.chdir(cwd);
  }
});

test('manifest has what the design needs', async () => {
  const manifest = parse(await readFile(join(root, 'manifest.yml'), 'utf8'));
  assert.equal(manifest.app.runtime.name, 'nodejs22.x');
  // The settings page: WebAssembly needs 'unsafe-eval'; Atlaskit's run-time styles 'unsafe-inline'.
  assert.deepEqual(manifest.permissions.content, { scripts: ['unsafe-eval'], styles: ['unsafe-inline'] });
  const pages = manifest.modules['jira:adminPage'];
  assert.ok(pages.some((p) => p.useAsConfig === true), 'a useAsConfig admin page');
  assert.ok(pages.some((p) => !p.useAsConfig), 'a main admin page');
  assert.equal(manifest.modules.scheduledTrigger.length, 1);
  assert.equal(manifest.modules.consumer.length, 1);
  const functions = Object.fromEntries(manifest.modules.function.map((f) => [f.key, f]));
  for (const trigger of manifest.modules.scheduledTrigger) {
    assert.equal(functions[trigger.function].timeoutSeconds, 900);
  }
  for (const consumer of manifest.modules.consumer) {
    assert.equal(functions[consumer.function].timeoutSeconds, 900);
  }
  const scopes = manifest.permissions.scopes;
  for (const scope of ['storage:app', 'read:cmdb-object:jira', 'write:cmdb-object:jira', 'read:cmdb-schema:jira',
    'read:cmdb-type:jira', 'read:cmdb-attribute:jira', 'read:servicedesk-request']) {
    assert.ok(scopes.includes(scope), `scope ${scope}`);
  }
  const egress = manifest.permissions.external.fetch.backend.map((e) => e.address ?? e);
  assert.deepEqual(egress.sort(), [
    'https://console.eu.jumpcloud.com', 'https://console.in.jumpcloud.com', 'https://console.jumpcloud.com',
  ]);
});

// Every route the core and the Forge host call (crates/sync/src/engine/assets.rs, lookups.rs,
// writes.rs; src-js/forge/admin.js), as a request the local Forge runtime would check.
const ROUTES_CALLED = [
  ['GET', '/rest/servicedeskapi/assets/workspace'],
  ['GET', '/rest/api/3/user/search?query=a%40b.c'],
  ['POST', '/rest/api/3/permissions/check'],
  ['GET', '/jsm/assets/workspace/ws/v1/objectschema/list?startAt=0&maxResults=50'],
  ['GET', '/jsm/assets/workspace/ws/v1/objectschema/1/objecttypes/flat'],
  ['GET', '/jsm/assets/workspace/ws/v1/objecttype/10'],
  ['GET', '/jsm/assets/workspace/ws/v1/objecttype/10/attributes'],
  ['GET', '/jsm/assets/workspace/ws/v1/config/statustype?objectSchemaId=1'],
  ['POST', '/jsm/assets/workspace/ws/v1/object/aql?startAt=0&maxResults=500&includeAttributes=true'],
  ['POST', '/jsm/assets/workspace/ws/v1/object/create'],
  ['PUT', '/jsm/assets/workspace/ws/v1/object/7'],
  ['DELETE', '/jsm/assets/workspace/ws/v1/object/7'],
  // Schema set-up.
  ['GET', '/jsm/assets/workspace/ws/v1/icon/global'],
  ['GET', '/jsm/assets/workspace/ws/v1/config/referencetype?objectSchemaId=1'],
  ['POST', '/jsm/assets/workspace/ws/v1/objecttype/create'],
  ['POST', '/jsm/assets/workspace/ws/v1/objecttypeattribute/10'],
  ['PUT', '/jsm/assets/workspace/ws/v1/objecttypeattribute/10/5'],
];

test('the manifest grants exactly the scopes of the routes the app calls', async () => {
  const { requiredScopes, scopeRefusal } = await import('../../dev/forge-local/scopes.js');
  const manifest = parse(await readFile(join(root, 'manifest.yml'), 'utf8'));
  const granted = manifest.permissions.scopes;
  for (const [method, path] of ROUTES_CALLED) {
    assert.equal(scopeRefusal(method, path, granted), null, `${method} ${path}`);
  }
  // No scope beyond what some route needs (storage:app is KVS, not a product route).
  const used = new Set(['storage:app']);
  for (const [method, path] of ROUTES_CALLED) {
    const { groups } = requiredScopes(method, path);
    const group = groups.find((g) => g.every((s) => granted.includes(s)));
    for (const scope of group ?? []) used.add(scope);
  }
  assert.deepEqual(granted.filter((s) => !used.has(s)), [], 'scopes no route uses');
  // Status types need read:cmdb-config:jira: without it the run's status lookup is refused.
  const without = granted.filter((s) => s !== 'read:cmdb-config:jira');
  assert.match(scopeRefusal('GET', '/jsm/assets/workspace/ws/v1/config/statustype', without) ?? '', /read:cmdb-config:jira/);
});
