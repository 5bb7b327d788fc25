// The queue consumer's answers, through the local Forge runtime and its queue: it returns
// normally for every event a redelivery cannot change (Forge would otherwise redeliver it for a
// day) and asks for a redelivery only when one can help. The fault matrix with real runs is in
// tests/e2e/forge-faults.test.js.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { startAssetsEmulator } from '../../dev/emulators/index.js';
import { createForgeRuntime } from '../../dev/forge-local/index.js';

const appDir = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN = '5b10ac8d82e05b22cc7d4ef5';

let jira;
let runtime;
let importId;
before(async () => {
  jira = await startAssetsEmulator({ jira: { admins: [ADMIN] } });
  runtime = await createForgeRuntime({ appDir, jiraBaseUrl: jira.url });
  const saved = await runtime.invokeResolver('tributary-main', 'saveImport',
    { import: { name: 'Users', mapping: 'key:_id=id\nconfig:api=systemusers\n', schedule: 'manual' } }, { accountId: ADMIN });
  importId = saved.import.id;
});
after(async () => jira?.close());

/** Delivers one event to the consumer through the queue; returns how the queue settled it. */
async function deliver(body) {
  runtime.queue.pending.push({
    eventId: `e-${Math.random()}`, jobId: 'job', queueName: 'tributary-sync', body, enqueuedAt: Date.now(), dueAt: 0,
    attempts: 0, chain: { pushes: 0 },
  });
  const { results: [result] } = await runtime.deliverQueue({ maxEvents: 1, includeDelayed: true });
  runtime.queue.pending.length = 0; // drop what it queued or what is to be retried
  return result;
}

const errors = () => runtime.logs.filter((l) => l.level === 'error').map((l) => l.message);

test('an event that is not a run slice is logged and acknowledged', async () => {
  for (const body of [null, { runId: 'r' }, { importId, runId: 'r', resume: true }, { importId, runId: 'r', slice: -1 },
    { importId, runId: 'r', slice: 1.5 }, { importIds: [1], runId: 'r', slice: 0 }]) {
    const before = errors().length;
    assert.equal((await deliver(body)).outcome, 'succeeded', JSON.stringify(body));
    assert.match(errors().slice(before).join('\n'), /dropped a queue event that is not a run's slice/);
  }
});

test('a first event without a slice number (resume: false) runs as slice 0, and its copy is stale', async () => {
  assert.equal((await deliver({ importId, runId: 'r0', resume: false })).outcome, 'succeeded');
  const run = (await runtime.invokeResolver('tributary-main', 'listRuns', { importId }, { accountId: ADMIN })).find((r) => r.runId === 'r0');
  assert.equal(run?.status, 'failed', 'it ran (JumpCloud is not connected here)');
  const keys = runtime.kvs.keys();
  assert.equal((await deliver({ importId, runId: 'r0', slice: 0 })).outcome, 'succeeded');
  assert.deepEqual(runtime.kvs.keys(), keys);
});

test("an event of a deleted import is logged and acknowledged", async () => {
  const before = errors().length;
  assert.equal((await deliver({ importId: 'no-such-import', runId: 'r1', slice: 0 })).outcome, 'succeeded');
  assert.match(errors().slice(before).join('\n'), /run r1 slice 0 stopped: No import with id 'no-such-import'/);
});

test('a run that fails is acknowledged: its record says why', async () => {
  // JumpCloud is not connected: the core reports the run failed and stores its record.
  assert.equal((await deliver({ importId, runId: 'r2', slice: 0 })).outcome, 'succeeded');
  const [run] = await runtime.invokeResolver('tributary-main', 'listRuns', { importId }, { accountId: ADMIN });
  assert.equal(run.runId, 'r2');
  assert.equal(run.status, 'failed');
  // Its copy is stale: acknowledged, nothing stored.
  const keys = runtime.kvs.keys();
  assert.equal((await deliver({ importId, runId: 'r2', slice: 0 })).outcome, 'succeeded');
  assert.deepEqual(runtime.kvs.keys(), keys);
});

test('the store failing (5xx, 429) before the run starts: the event is delivered again later', async () => {
  for (const status of [500, 429]) {
    const fault = runtime.kvs.injectFault({ operations: ['get'], keyPrefix: 'config:import:', status });
    const result = await deliver({ importId, runId: `r-${status}`, slice: 0 });
    fault.remove();
    assert.equal(result.outcome, 'retrying', JSON.stringify(result));
    assert.equal(result.reason, 'FUNCTION_RETRY_REQUEST');
  }
});

test('a store that refuses a request for good (4xx) is not retried', async () => {
  const fault = runtime.kvs.injectFault({ operations: ['get'], keyPrefix: 'config:import:', status: 400, code: 'BAD_REQUEST' });
  const result = await deliver({ importId, runId: 'r-400', slice: 0 });
  fault.remove();
  assert.equal(result.outcome, 'succeeded');
  assert.match(errors().at(-1), /run r-400 slice 0 stopped/);
});

test('a slice claimed by an invocation that may still run: delivered again once its claim lapses', async () => {
  const until = Date.now() + 120_000;
  runtime.kvs.handle('/api/v1/set', {
    key: `tributary:slice:${importId}:r3:0`, value: JSON.stringify({ state: 'running', until }),
  });
  // How the queue was asked to settle the delivery (the InvocationError's retryAfter).
  const settled = [];
  const original = runtime.queue.settle.bind(runtime.queue);
  runtime.queue.settle = (e, outcome) => {
    settled.push(outcome);
    return original(e, outcome);
  };
  const result = await deliver({ importId, runId: 'r3', slice: 0 });
  runtime.queue.settle = original;
  assert.equal(result.outcome, 'retrying');
  const wait = settled[0].retryAfterSeconds;
  assert.ok(wait >= 120 && wait <= 125, `retry after ${wait} s, when the other invocation's claim lapses`);
});
