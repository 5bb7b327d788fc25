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
