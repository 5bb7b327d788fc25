import assert from 'node:assert/strict';
import { test } from 'node:test';

import { QUEUE_LIMITS } from '../../dev/forge-local/index.js';
import {
  InternalServerError,
  PartialSuccessError,
  PayloadTooBigError,
  RateLimitError,
  TooManyEventsError,
} from '@forge/events';
import { ADMIN, fixtureRuntime, invocationError, manualClock } from './helpers.js';

const push = (runtime, events, queue) => runtime.invokeResolver(ADMIN, 'push', { events, ...(queue ? { queue } : {}) });
const deliveries = (runtime) => runtime.kvs.handle('/api/v1/get', { key: 'deliveries' }).body.value ?? [];

async function pushError(promise, ErrorClass) {
  const err = await invocationError(promise, 'FUNCTION_ERR');
  assert.ok(err.cause instanceof ErrorClass, `expected ${ErrorClass.name}, got ${err.cause?.constructor?.name}: ${err.cause?.message}`);
  return err.cause;
}

test('Queue.push lands in the local queue; deliverQueue hands each AsyncEvent to the manifest consumer', async () => {
  const runtime = await fixtureRuntime();
  const { jobId } = await push(runtime, [{ body: { mode: 'record', id: 1 } }, { body: { mode: 'record', id: 2 } }]);
  assert.equal(runtime.queue.pending.length, 2);
  assert.deepEqual(await runtime.invokeResolver(ADMIN, 'jobStats', { jobId }), { success: 0, inProgress: 2, failed: 0 });
  const summary = await runtime.deliverQueue();
  assert.equal(summary.succeeded, 2);
  assert.equal(summary.remaining, 0);
  assert.deepEqual(deliveries(runtime).map((d) => [d.id, d.jobId, d.retry]), [[1, jobId, 0], [2, jobId, 0]]);
  assert.deepEqual(await runtime.invokeResolver(ADMIN, 'jobStats', { jobId }), { success: 2, inProgress: 0, failed: 0 });
  assert.equal(runtime.invocations.filter((i) => i.kind === 'consumer').length, 2);
});

test('delivery is at least once: with duplicateRate 1 every event arrives twice with the same eventId', async () => {
  const runtime = await fixtureRuntime({ queue: { duplicateRate: 1, seed: 7 } });
  const { jobId } = await push(runtime, [{ body: { mode: 'record', id: 'a' } }, { body: { mode: 'record', id: 'b' } }]);
  const summary = await runtime.drainQueues();
  assert.equal(summary.delivered, 4);
  assert.equal(summary.duplicated, 2);
  const seen = deliveries(runtime);
  assert.equal(seen.length, 4);
  assert.equal(new Set(seen.map((d) => d.eventId)).size, 2);
  // Job stats count each event once.
  assert.deepEqual(await runtime.invokeResolver(ADMIN, 'jobStats', { jobId }), { success: 2, inProgress: 0, failed: 0 });
});

test('a consumer that throws gets the event again, with retryContext, after its backoff', async () => {
  const clock = manualClock();
  const runtime = await fixtureRuntime({ clock });
  await push(runtime, [{ body: { mode: 'fail-once', id: 1 } }]);
  const first = await runtime.deliverQueue();
  assert.deepEqual([first.retrying, first.results[0].reason], [1, 'FUNCTION_ERR']);
  assert.match(first.results[0].error, /first delivery fails on purpose/);
  // Backoff not elapsed: nothing is due.
  assert.equal((await runtime.deliverQueue()).delivered, 0);
  clock.advance(3_000);
  const second = await runtime.deliverQueue();
  assert.equal(second.succeeded, 1);
  assert.deepEqual(deliveries(runtime).map((d) => d.retry), [1]);
});

test('an InvocationError return asks for a retry after retryAfter, carrying retryData and the reason', async () => {
  const clock = manualClock();
  const runtime = await fixtureRuntime({ clock });
  await push(runtime, [{ body: { mode: 'retry-request', id: 1 } }]);
  assert.equal((await runtime.deliverQueue()).retrying, 1);
  clock.advance(29_000);
  assert.equal((await runtime.deliverQueue()).delivered, 0);
  clock.advance(1_000);
  assert.equal((await runtime.deliverQueue()).succeeded, 1);
  const [d] = deliveries(runtime);
  assert.deepEqual([d.retry, d.reason, d.retryData], [1, 'FUNCTION_UPSTREAM_RATE_LIMITED', { page: 2 }]);
});

test('an event that keeps failing is dropped after maxAttempts and counted as failed', async () => {
  const runtime = await fixtureRuntime({ queue: { maxAttempts: 3 } });
  const { jobId } = await push(runtime, [{ body: { mode: 'always-fail', id: 1 } }]);
  const summary = await runtime.drainQueues();
  assert.deepEqual([summary.delivered, summary.retrying, summary.dropped], [3, 2, 1]);
  assert.deepEqual(await runtime.invokeResolver(ADMIN, 'jobStats', { jobId }), { success: 0, inProgress: 0, failed: 1 });
});

test('a consumer over its time limit (55 s default) counts as FUNCTION_TIME_OUT and is retried', async () => {
  const runtime = await fixtureRuntime({ timeScale: 0.001, queue: { maxAttempts: 1 } });
  await push(runtime, [{ body: { mode: 'slow', ms: 200, id: 1 } }]);
  const summary = await runtime.deliverQueue();
  assert.equal(summary.results[0].reason, 'FUNCTION_TIME_OUT');
  assert.match(summary.results[0].error, /consumer function "worker" timed out after 55 s/);
});

test("a function's limit can be set per test: the remaining time counts down to it, and the kill stops its writes", async () => {
  const runtime = await fixtureRuntime({ timeoutSeconds: { worker: 0.3 }, queue: { maxAttempts: 1 } });
  await push(runtime, [{ body: { mode: 'late-write', ms: 500, id: 1 } }]);
  const summary = await runtime.deliverQueue();
  assert.equal(summary.results[0].reason, 'FUNCTION_TIME_OUT');
  assert.match(summary.results[0].error, /timed out after 0.3 s/);
  const remaining = runtime.kvs.handle('/api/v1/get', { key: 'remaining' }).body.value;
  assert.ok(remaining > 0 && remaining <= 300, `remaining ${remaining} ms`);
  await new Promise((done) => setTimeout(done, 400));
  assert.equal(runtime.kvs.handle('/api/v1/get', { key: 'late' }).status, 404, 'the write after the kill was refused');
});

test('delayInSeconds holds an event back until it is due', async () => {
  const clock = manualClock();
  const runtime = await fixtureRuntime({ clock });
  await push(runtime, [{ body: { mode: 'record', id: 'later' }, delayInSeconds: 60 }]);
  assert.equal((await runtime.deliverQueue()).delivered, 0);
  clock.advance(60_000);
  assert.equal((await runtime.deliverQueue()).succeeded, 1);
});

test('push limits: 50 events, 200 KB per push, 100 KB per event for long consumers, declared queues only', async () => {
  const runtime = await fixtureRuntime();
  const events = (n, size = 10) => Array.from({ length: n }, (_, i) => ({ body: { mode: 'record', id: i, pad: 'x'.repeat(size) } }));
  await push(runtime, events(QUEUE_LIMITS.eventsPerPush));
  await pushError(push(runtime, events(51)), TooManyEventsError);
  await pushError(push(runtime, events(2, 110 * 1024)), PayloadTooBigError);
  // The long-running consumer (timeoutSeconds 900) takes at most 100 KB per event.
  const partial = await pushError(push(runtime, [...events(1, 120 * 1024), ...events(1)], 'long-queue'), PartialSuccessError);
  assert.equal(partial.failedEvents.length, 1);
  assert.match(partial.failedEvents[0].errorMessage, /at most 100KB per event/);
  const noConsumer = await pushError(push(runtime, events(1), 'nobody-listens'), InternalServerError);
  assert.match(noConsumer.message, /No consumer module in manifest.yml listens to queue "nobody-listens"/);
});

test('more than 500 events a minute are refused with RateLimitError', async () => {
  const clock = manualClock();
  const runtime = await fixtureRuntime({ clock });
  const fifty = Array.from({ length: 50 }, (_, i) => ({ body: { mode: 'record', id: i } }));
  for (let i = 0; i < 10; i++) await push(runtime, fifty);
  await pushError(push(runtime, fifty.slice(0, 1)), RateLimitError);
  clock.advance(60_000);
  await push(runtime, fifty.slice(0, 1));
});

test('a chain of consumers may make at most 1000 push requests', async () => {
  const runtime = await fixtureRuntime({ queue: { eventsPerMinute: 10_000 } });
  await push(runtime, [{ body: { mode: 'chain', id: 'c', left: 1200 } }]);
  const summary = await runtime.drainQueues({ maxDeliveries: 2000 });
  // 1 push by the resolver + 999 by consumers make 1000; the consumer making the 1001st fails.
  assert.equal(summary.succeeded, 999);
  const failures = summary.results.filter((r) => r.outcome !== 'succeeded');
  assert.ok(failures.length > 0);
  // The consumer's push threw @forge/events' InvocationLimitReachedError with its own message.
  assert.match(failures[0].error, /The limit on cyclic invocation has been reached/);
});
