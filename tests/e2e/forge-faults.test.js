// Runs that die or double up on Forge: an invocation killed at its time limit mid-way, the same
// queue event delivered twice, two runs of one import at once. Through the real Forge handlers
// on the local Forge runtime; the final Assets state must equal the expected state, with no
// duplicates and nothing lost.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startSandbox } from '../../src-js/sandbox/index.js';
import { FaultPlan } from '../../src-js/emulators/index.js';
import { assetsWrites, objectsByKey } from './helpers.js';

let sandbox;
let assets;
let tenant;

function userObjectCount() {
  const userType = [...assets.state.objectTypes.values()].find((t) => t.name === 'User');
  return [...assets.state.objects.values()].filter((o) => o.objectTypeId === userType.id).length;
}

const worker = (body, options) => sandbox.runtime.invokeFunction('sync-worker', { body }, options);

before(async () => {
  sandbox = await startSandbox({
    users: 120, seed: 13, firstSync: false,
    // Slow creates, so that a three-second invocation dies part-way through the initial import.
    assets: { faults: new FaultPlan({ seed: 1, rules: [{ route: 'POST /object/create', kind: 'latency', every: 1, delayMs: 200 }] }) },
  });
  assets = sandbox.emulators.assets;
  tenant = sandbox.emulators.tenant;
});

after(async () => {
  await sandbox?.close();
});

test('an invocation killed at its time limit mid-way is finished by the redelivered event', async () => {
  const body = { importId: sandbox.importId, runId: 'killed-run', resume: false };
  await assert.rejects(worker(body, { timeoutSeconds: 3 }), /timed out/);
  const partial = userObjectCount();
  assert.ok(partial > 0 && partial < tenant.users.length, `killed mid-way (${partial} of ${tenant.users.length})`);
  // At-least-once delivery: the same event again, with the consumer's full time.
  await worker(body);
  // The killed invocation's leftovers must not have doubled anything.
  assert.equal(userObjectCount(), tenant.users.length);
  assert.equal(objectsByKey(assets, 'User').size, tenant.users.length);
});

test('the same queue event delivered twice writes nothing the second time', async () => {
  tenant.promote(tenant.users[7]._id, { jobTitle: 'Deputy Head of Snacks' });
  const body = { importId: sandbox.importId, runId: 'twice', resume: false };
  const from = assets.requests.length;
  await worker(body);
  const afterFirst = assetsWrites(assets, from);
  assert.deepEqual(afterFirst, { create: 0, update: 1, delete: 0 });
  const from2 = assets.requests.length;
  await worker(body);
  assert.deepEqual(assetsWrites(assets, from2), { create: 0, update: 0, delete: 0 });
});

test('two runs of one import at once: the lease lets only one write', async () => {
  tenant.hire({ firstname: 'Lea', lastname: 'Sé' });
  const from = assets.requests.length;
  await Promise.all([
    worker({ importId: sandbox.importId, runId: 'race-a', resume: false }),
    worker({ importId: sandbox.importId, runId: 'race-b', resume: false }),
  ]);
  assert.deepEqual(assetsWrites(assets, from), { create: 1, update: 0, delete: 0 });
  const runs = await sandbox.invoke('listRuns', { importId: sandbox.importId });
  const statuses = ['race-a', 'race-b'].map((id) => runs.find((r) => r.runId === id)?.status).sort();
  assert.ok(statuses.includes('busy') || statuses.includes(undefined), `one run found the lease held: ${statuses}`);
  assert.equal(userObjectCount(), tenant.users.length);
});

test('every request stayed valid against the vendor specs', () => {
  assert.deepEqual(sandbox.emulators.violations(), []);
});
