import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { KVS_LIMITS, loadManifest } from '../../dev/forge-local/index.js';
import { ForgeKvsAPIError } from '@forge/kvs';
import { ADMIN, FIXTURE_DIR, fixtureRuntime, invocationError, manualClock, tempFile } from './helpers.js';

const call = (runtime, name, payload) => runtime.invokeResolver(ADMIN, name, payload);

/** The @forge/kvs error the app saw, from the failed invocation. */
async function kvsError(promise, code) {
  const err = await invocationError(promise, 'FUNCTION_ERR');
  assert.ok(err.cause instanceof ForgeKvsAPIError, `expected ForgeKvsAPIError, got ${err.cause}`);
  assert.equal(err.cause.code, code, err.cause.message);
  return err.cause;
}

test('set, get and delete go through the real @forge/kvs client; a missing key reads as undefined', async () => {
  const runtime = await fixtureRuntime();
  await call(runtime, 'kvsSet', { key: 'import:1', value: { name: 'Finance users', n: 3 } });
  assert.deepEqual(await call(runtime, 'kvsGet', { key: 'import:1' }), { value: { name: 'Finance users', n: 3 } });
  await call(runtime, 'kvsDelete', { key: 'import:1' });
  assert.deepEqual(await call(runtime, 'kvsGet', { key: 'import:1' }), { value: null });
  // Deleting a missing key is not an error for the client.
  assert.deepEqual(await call(runtime, 'kvsDelete', { key: 'import:1' }), { ok: true });
});

test('keys and values over the documented limits get the server error codes the client raises', async () => {
  const runtime = await fixtureRuntime();
  await call(runtime, 'kvsSet', { key: 'k'.repeat(KVS_LIMITS.keyMaxLength), value: 1 });
  const tooLong = await kvsError(call(runtime, 'kvsSet', { key: 'k'.repeat(501), value: 1 }), 'KEY_TOO_LONG');
  assert.equal(tooLong.responseDetails.status, 400);
  assert.equal(tooLong.responseDetails.httpPath, '/api/v1/set');
  await kvsError(call(runtime, 'kvsSet', { key: 'bad/key', value: 1 }), 'INVALID_KEY');
  await kvsError(call(runtime, 'kvsSet', { key: '   ', value: 1 }), 'INVALID_KEY');
  await kvsError(call(runtime, 'kvsGet', { key: '' }), 'KEY_TOO_SHORT');
  // 240 KiB of JSON is the most a value may take.
  const fits = 'v'.repeat(KVS_LIMITS.valueMaxBytes - 2);
  await call(runtime, 'kvsSet', { key: 'big', value: fits });
  const tooBig = await kvsError(call(runtime, 'kvsSet', { key: 'big', value: `${fits}v` }), 'MAX_SIZE');
  assert.match(tooBig.message, /exceeded the maximum size limit/);
  let deep = 1;
  for (let i = 0; i < 32; i++) deep = { d: deep };
  await kvsError(call(runtime, 'kvsSet', { key: 'deep', value: deep }), 'MAX_DEPTH');
});

test('prefix queries page with limit and cursor, in key order, and refuse limits over 100', async () => {
  const runtime = await fixtureRuntime();
  const keys = Array.from({ length: 230 }, (_, i) => `run:${String(i).padStart(3, '0')}`);
  for (const key of keys) runtime.kvs.handle('/api/v1/set', { key, value: { key } });
  runtime.kvs.handle('/api/v1/set', { key: 'runner', value: 'not a run' });
  const seen = [];
  let cursor;
  for (let page = 0; page < 10; page++) {
    const { results, nextCursor } = await call(runtime, 'kvsQuery', { prefix: 'run:', limit: 100, cursor });
    seen.push(...results.map((r) => r.key));
    cursor = nextCursor;
    if (!cursor) break;
  }
  assert.deepEqual(seen, keys);
  // Default page size is 10.
  assert.equal((await call(runtime, 'kvsQuery', { prefix: 'run:' })).results.length, 10);
  await kvsError(call(runtime, 'kvsQuery', { prefix: 'run:', limit: 101 }), 'INVALID_LIMIT');
});

test('secrets are kept apart: readable by key, never returned by queries', async () => {
  const runtime = await fixtureRuntime();
  await call(runtime, 'secretSet', { key: 'cred:jumpcloud', value: 'super-secret-value' });
  await call(runtime, 'kvsSet', { key: 'cred:visible', value: 1 });
  assert.deepEqual(await call(runtime, 'secretGet', { key: 'cred:jumpcloud' }), { length: 18 });
  assert.deepEqual(await call(runtime, 'kvsGet', { key: 'cred:jumpcloud' }), { value: null });
  const { results } = await call(runtime, 'kvsQuery', { prefix: 'cred:' });
  assert.deepEqual(results.map((r) => r.key), ['cred:visible']);
  await call(runtime, 'secretDelete', { key: 'cred:jumpcloud' });
  assert.deepEqual(await call(runtime, 'secretGet', { key: 'cred:jumpcloud' }), { length: null });
});

test('the store survives a runtime restart through kvsFile, with secrets encrypted at rest', async () => {
  const kvsFile = tempFile('kvs.json');
  const first = await fixtureRuntime({ kvsFile });
  await call(first, 'kvsSet', { key: 'config', value: { schedule: 'hourly' } });
  await call(first, 'secretSet', { key: 'jumpcloud-api-key', value: 'plaintext-must-not-hit-disk' });
  assert.ok(!readFileSync(kvsFile, 'utf8').includes('plaintext-must-not-hit-disk'));

  const second = await fixtureRuntime({ kvsFile });
  assert.deepEqual(await call(second, 'kvsGet', { key: 'config' }), { value: { schedule: 'hourly' } });
  assert.deepEqual(await call(second, 'secretGet', { key: 'jumpcloud-api-key' }), { length: 27 });
});

test('transactions are all or nothing, at most 25 operations on distinct keys', async () => {
  const runtime = await fixtureRuntime();
  await call(runtime, 'kvsSet', { key: 'old', value: 1 });
  await call(runtime, 'transact', { sets: [{ key: 'a', value: 1 }, { key: 'b', value: 2 }], deletes: ['old'] });
  assert.deepEqual(runtime.kvs.keys(), ['a', 'b']);
  // One bad key spoils the whole transaction.
  await kvsError(call(runtime, 'transact', { sets: [{ key: 'c', value: 3 }, { key: 'bad/key', value: 4 }] }), 'INVALID_KEY');
  await kvsError(call(runtime, 'transact', { sets: [{ key: 'c', value: 3 }], deletes: ['c'] }), 'DUPLICATE_KEYS');
  const many = Array.from({ length: 26 }, (_, i) => ({ key: `t${i}`, value: i }));
  await kvsError(call(runtime, 'transact', { sets: many }), 'TOO_MANY_OPERATIONS');
  assert.deepEqual(runtime.kvs.keys(), ['a', 'b']);
});

test('a ttl expires the key on the runtime clock; FAIL_IF_EXISTS refuses to overwrite', async () => {
  const clock = manualClock();
  const runtime = await fixtureRuntime({ clock });
  await call(runtime, 'kvsSet', { key: 'lease', value: 'run-1', options: { ttl: { value: 5, unit: 'MINUTES' }, keyPolicy: 'FAIL_IF_EXISTS' } });
  await kvsError(call(runtime, 'kvsSet', { key: 'lease', value: 'run-2', options: { keyPolicy: 'FAIL_IF_EXISTS' } }), 'KEY_ALREADY_EXISTS');
  clock.advance(4 * 60_000);
  assert.deepEqual(await call(runtime, 'kvsGet', { key: 'lease' }), { value: 'run-1' });
  clock.advance(2 * 60_000);
  assert.deepEqual(await call(runtime, 'kvsGet', { key: 'lease' }), { value: null });
  await call(runtime, 'kvsSet', { key: 'lease', value: 'run-2', options: { keyPolicy: 'FAIL_IF_EXISTS' } });
});

test('an app without the storage:app scope is refused', async () => {
  const manifest = structuredClone(loadManifest(`${FIXTURE_DIR}/manifest.yml`).raw);
  manifest.permissions.scopes = manifest.permissions.scopes.filter((s) => s !== 'storage:app');
  const runtime = await fixtureRuntime({ manifest });
  const err = await kvsError(call(runtime, 'kvsGet', { key: 'x' }), 'PERMISSION_DENIED');
  assert.match(err.message, /storage:app/);
});

test('the fault switch fails matching writes with the store error body, changes nothing, and can be removed', async () => {
  const runtime = await fixtureRuntime();
  await call(runtime, 'kvsSet', { key: 'run:1', value: 'before' });
  const fault = runtime.kvs.injectFault({ keyPrefix: 'run:', times: 2 });
  const first = await kvsError(call(runtime, 'kvsSet', { key: 'run:1', value: 'after' }), 'INTERNAL_SERVER_ERROR');
  assert.equal(first.responseDetails.status, 500);
  // Other keys and reads pass.
  await call(runtime, 'kvsSet', { key: 'config:1', value: 'x' });
  assert.deepEqual(await call(runtime, 'kvsGet', { key: 'run:1' }), { value: 'before' });
  await kvsError(call(runtime, 'kvsDelete', { key: 'run:1' }), 'INTERNAL_SERVER_ERROR');
  assert.equal(fault.failed, 2);
  // Spent after `times`: the third write goes through.
  await call(runtime, 'kvsSet', { key: 'run:1', value: 'after' });
  assert.deepEqual(await call(runtime, 'kvsGet', { key: 'run:1' }), { value: 'after' });
  const throttled = runtime.kvs.injectFault({ operations: ['get'], status: 429 });
  const limited = await kvsError(call(runtime, 'kvsGet', { key: 'run:1' }), 'RATE_LIMIT_EXCEEDED');
  assert.equal(limited.responseDetails.status, 429);
  throttled.remove();
  assert.deepEqual(await call(runtime, 'kvsGet', { key: 'run:1' }), { value: 'after' });
});

test("with Forge's quotas on, write units past 4,000 in a minute are refused with 429, reads count apart, and a minute later writes go again", async () => {
  const { KvsStore, KVS_QUOTAS, kvsUnits } = await import('../../dev/forge-local/kvs.js');
  let now = 1_000_000;
  const store = new KvsStore({ now: () => now, quotas: true });
  // 229 KiB values count 23 units each: 173 of them are 3,979 units.
  const value = 'v'.repeat(229 * 1024);
  assert.equal(kvsUnits(Buffer.byteLength(JSON.stringify(value))), 23);
  for (let i = 0; i < 173; i += 1) {
    assert.equal(store.handle('/api/v1/set', { key: `k${i}`, value }).status, 204);
    now += 10;
  }
  const refused = store.handle('/api/v1/set', { key: 'one-more', value });
  assert.equal(refused.status, 429);
  assert.equal(refused.body.code, 'RATE_LIMIT_EXCEEDED');
  assert.equal(store.keys().includes('one-more'), false, 'nothing changed');
  // A small write still fits; reads have their own 4,000.
  assert.equal(store.handle('/api/v1/set', { key: 'small', value: 1 }).status, 204);
  assert.equal(store.handle('/api/v1/get', { key: 'k0' }).status, 200);
  assert.equal(store.usage.throttled, 1);
  assert.equal(store.usage.writeUnits, 173 * 23 + 1);
  assert.equal(store.usage.readUnits, 23);
  assert.ok(store.usage.peakWriteUnitsPerMinute <= KVS_QUOTAS.writeUnitsPerMinute);
  now += 60_000;
  assert.equal(store.handle('/api/v1/set', { key: 'one-more', value }).status, 204);
  // Without quotas (the default) the same store only counts.
  const counting = new KvsStore({ now: () => now });
  for (let i = 0; i < 180; i += 1) assert.equal(counting.handle('/api/v1/set', { key: `k${i}`, value }).status, 204);
  assert.equal(counting.usage.peakWriteUnitsPerMinute, 180 * 23);
  assert.equal(counting.usage.throttled, 0);
  // Units are also told by the family of what they stored (ids, which carry digits, dropped).
  counting.handle('/api/v1/set', { key: 'tributary:state:users:source:3', value });
  counting.handle('/api/v1/set', { key: 'tributary:results:users:r17:0', value });
  counting.handle('/api/v1/delete', { key: 'tributary:state:users' });
  assert.deepEqual(counting.usage.writeUnitsByFamily, { other: 180 * 23, 'state:source': 23, results: 23, state: 1 });
});
