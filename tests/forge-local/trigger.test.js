import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fixtureRuntime, invocationError } from './helpers.js';

test('a scheduled trigger tick runs the function with no principal; asUser() is refused', async () => {
  const runtime = await fixtureRuntime({ cloudId: 'cloud-9' });
  const first = await runtime.tickScheduledTrigger('fixture-tick');
  assert.deepEqual(first, {
    statusCode: 204,
    ticks: 1,
    moduleKey: 'fixture-tick',
    hasPrincipal: false,
    installContext: 'ari:cloud:jira::site/cloud-9',
    asUserError: 'NEEDS_AUTHENTICATION_ERR',
  });
  assert.equal((await runtime.tickScheduledTrigger('fixture-tick')).ticks, 2);
  assert.deepEqual(runtime.invocations.map((i) => [i.kind, i.moduleKey, i.status]), [
    ['scheduledTrigger', 'fixture-tick', 'ok'],
    ['scheduledTrigger', 'fixture-tick', 'ok'],
  ]);
});

test("a tick gets the function's timeoutSeconds (120 s here), not the 25 s resolver limit, and is not retried", async () => {
  // timeScale 0.001: 120 s -> 120 ms; 25 s would be 25 ms.
  const runtime = await fixtureRuntime({ timeScale: 0.001 });
  runtime.kvs.handle('/api/v1/set', { key: 'tick-config', value: { sleepMs: 60 } });
  assert.equal((await runtime.tickScheduledTrigger('fixture-tick')).statusCode, 204);
  runtime.kvs.handle('/api/v1/set', { key: 'tick-config', value: { sleepMs: 400 } });
  const err = await invocationError(runtime.tickScheduledTrigger('fixture-tick'), 'FUNCTION_TIME_OUT');
  assert.match(err.message, /scheduledTrigger function "tick" timed out after 120 s/);
  assert.equal(runtime.queue.pending.length, 0);
});
