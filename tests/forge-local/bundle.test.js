import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';

import { bundleForgeApp, RUNTIME_WRAPPER_DIR } from '../../dev/forge-local/index.js';
import { ADMIN, fixtureRuntime, invocationError, tempFile } from './helpers.js';
import { startStub } from './stub-server.js';

let bundle;
let jira;
before(async () => {
  jira = await startStub((req) => ({ body: { values: [{ workspaceId: 'ws-9' }], url: req.url } }));
  // Forge's own bundler (webpack, offline), with our wrapper in place of the downloaded one.
  bundle = await bundleForgeApp({ appDir: join(dirname(new URL(import.meta.url).pathname), 'fixture'), outDir: dirname(tempFile('x')) });
});
after(() => jira.close());

test('@forge/bundler output holds the bundled app plus our loader and wrapper, as Forge deploys it', () => {
  assert.deepEqual(bundle.files.sort(), ['__forge__.cjs', '__forge_wrapper__.cjs', 'index.cjs', 'runtime.json']);
  assert.equal(
    readFileSync(join(bundle.outputDir, '__forge_wrapper__.cjs'), 'utf8'),
    readFileSync(join(RUNTIME_WRAPPER_DIR, 'dist/wrapper.js'), 'utf8'),
  );
  assert.deepEqual(JSON.parse(readFileSync(join(bundle.outputDir, 'runtime.json'), 'utf8')), { version: 'local' });
  assert.ok(existsSync(join(bundle.outputDir, 'index.cjs')));
});

test('the bundled index.cjs runs in Node 22 through the local runtime: resolver, KVS, requestJira, egress, trigger', async () => {
  const runtime = await fixtureRuntime({ handlers: bundle.outputDir, jiraBaseUrl: jira.url });
  const echoed = await runtime.invokeResolver(ADMIN, 'echo', { n: 1 }, { accountId: 'acc-1' });
  assert.deepEqual([echoed.payload, echoed.accountId], [{ n: 1 }, 'acc-1']);
  await runtime.invokeResolver(ADMIN, 'kvsSet', { key: 'bundled', value: true });
  assert.deepEqual(await runtime.invokeResolver(ADMIN, 'kvsGet', { key: 'bundled' }), { value: true });
  const workspace = await runtime.invokeResolver(ADMIN, 'jira', { path: '/rest/servicedeskapi/assets/workspace' });
  assert.equal(JSON.parse(workspace.body).values[0].workspaceId, 'ws-9');
  // The bundle carries its own copy of @forge/api; its fetch is still held to the egress list.
  const err = await invocationError(runtime.invokeResolver(ADMIN, 'fetchAny', { url: 'https://evil.example.com/' }), 'FUNCTION_ERR');
  assert.equal(err.cause.name, 'REQUEST_EGRESS_ALLOWLIST_ERR');
  assert.equal((await runtime.tickScheduledTrigger('fixture-tick')).statusCode, 204);
});
