import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';

import { ForgeRuntimeConfigError, loadManifest } from '../../dev/forge-local/index.js';
import { ADMIN, FIXTURE_DIR, fixtureRuntime, invocationError } from './helpers.js';

test('a resolver round trip gets the payload, the caller and Forge context, as @forge/bridge invoke would', async () => {
  const runtime = await fixtureRuntime({ cloudId: 'cloud-7' });
  const result = await runtime.invokeResolver(ADMIN, 'echo', { text: 'héllo "quoted"' }, { accountId: 'acc-1' });
  assert.deepEqual(result.payload, { text: 'héllo "quoted"' });
  assert.equal(result.accountId, 'acc-1');
  assert.equal(result.moduleKey, ADMIN);
  assert.equal(result.installContext, 'ari:cloud:jira::site/cloud-7');
  // getAppContext() works and reports the 25 s resolver budget.
  assert.ok(result.remainingMs > 20_000 && result.remainingMs <= 25_000, `remainingMs ${result.remainingMs}`);
  const last = runtime.invocations.at(-1);
  assert.equal(last.kind, 'resolver');
  assert.equal(last.status, 'ok');
});

test('an unknown resolver function fails the invocation with the @forge/resolver message', async () => {
  const runtime = await fixtureRuntime();
  const err = await invocationError(runtime.invokeResolver(ADMIN, 'noSuchFunction'), 'FUNCTION_ERR');
  assert.match(err.message, /Resolver has no definition for 'noSuchFunction'/);
});

test('unknown module keys and bad manifests are refused with a message naming what was wrong', async () => {
  const runtime = await fixtureRuntime();
  await assert.rejects(runtime.invokeResolver('nope', 'echo'), (err) => err instanceof ForgeRuntimeConfigError && /no module has key "nope"/.test(err.message));
  await assert.rejects(runtime.tickScheduledTrigger('nope'), /no scheduledTrigger has key "nope" \(declared: fixture-tick\)/);
  assert.throws(() => loadManifest({ modules: { function: [{ key: 'f', handler: 'index' }] } }), /handler "index"; expected "<file>.<export>"/);
  assert.throws(
    () => loadManifest({ modules: { function: [{ key: 'f', handler: 'index.f', timeoutSeconds: 901 }] } }),
    /timeoutSeconds 901; it must be an integer from 1 to 900/,
  );
  await assert.rejects(
    fixtureRuntime({ handlers: { resolver: async () => 1 } }),
    /module "index" exports no function "tick"/,
  );
});

test('a front-end invoke payload over 500 KB is refused before the resolver runs', async () => {
  const runtime = await fixtureRuntime();
  await invocationError(runtime.invokeResolver(ADMIN, 'echo', { blob: 'x'.repeat(501 * 1024) }), 'PAYLOAD_TOO_LARGE');
  assert.equal(runtime.invocations.length, 0);
});

test('a resolver running past 25 s is reported as timed out, and its later platform calls are refused', async () => {
  // timeScale 0.002: the 25 s limit becomes 50 ms of wall time.
  const runtime = await fixtureRuntime({ timeScale: 0.002 });
  const err = await invocationError(runtime.invokeResolver(ADMIN, 'sleep', { ms: 150 }), 'FUNCTION_TIME_OUT');
  assert.match(err.message, /resolver function "resolver" timed out after 25 s \(scaled to 50 ms\)/);
  assert.equal(runtime.invocations.at(-1).status, 'timeout');
  await sleep(250);
  // The handler woke up after its deadline and tried kvs.set: the platform refused it.
  assert.equal(runtime.kvs.handle('/api/v1/get', { key: 'written-after-sleep' }).status, 404);
  // The same resolver within its limit completes.
  assert.deepEqual(await runtime.invokeResolver(ADMIN, 'sleep', { ms: 1 }), { slept: 1 });
});

test('console output is captured per invocation and the secret value never appears in it', async () => {
  const runtime = await fixtureRuntime();
  const secret = 'jc-key-3f9a1c77e2b44d0c';
  await runtime.invokeResolver(ADMIN, 'secretSet', { key: 'jumpcloud-api-key', value: secret });
  assert.equal(runtime.logs.length, 1);
  assert.equal(runtime.logs[0].functionKey, 'resolver');
  assert.equal(runtime.logs[0].message, `stored secret jumpcloud-api-key (${secret.length} characters)`);
  assert.ok(!runtime.logText().includes(secret));
  assert.ok(!JSON.stringify(runtime.requests).includes(secret));
});

test('handlers can be given as a module map or a file path', async () => {
  const asPath = await fixtureRuntime({ handlers: `${FIXTURE_DIR}/src/index.js` });
  assert.equal((await asPath.invokeResolver(ADMIN, 'echo', { n: 1 })).payload.n, 1);
  const mod = await import('./fixture/src/index.js');
  const asMap = await fixtureRuntime({ handlers: { index: mod } });
  assert.equal((await asMap.invokeResolver(ADMIN, 'echo', { n: 2 })).payload.n, 2);
});

test('the fixture is a valid Forge app: @forge/manifest validates its manifest.yml offline', async () => {
  const { createRequire } = await import('node:module');
  const { validate } = createRequire(import.meta.url)('@forge/manifest');
  const cwd = process.cwd();
  process.chdir(FIXTURE_DIR); // validate() reads manifest.yml from the working directory, as the CLI does
  try {
    const result = await validate(false);
    assert.deepEqual(result.errors ?? [], []);
    assert.equal(result.success, true);
  } finally {
    process.chdir(cwd);
  }
});
