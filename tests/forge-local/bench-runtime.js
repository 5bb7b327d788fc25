// Prints what the local Forge runtime costs per call (a benchmark: numbers only, never pass/fail).
// Run: node tests/forge-local/bench-runtime.js
import { performance } from 'node:perf_hooks';

import { ADMIN, fixtureRuntime, tempFile } from './helpers.js';

async function timeIt(label, n, fn) {
  const start = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  const ms = performance.now() - start;
  console.log(`${label}: ${n} in ${ms.toFixed(0)} ms (${((ms * 1000) / n).toFixed(0)} µs each)`);
}

const memory = await fixtureRuntime();
await timeIt('resolver round trip (echo)', 2000, () => memory.invokeResolver(ADMIN, 'echo', { n: 1 }));
await timeIt('kvs.set via resolver, in memory', 2000, (i) => memory.invokeResolver(ADMIN, 'kvsSet', { key: `k:${i}`, value: { i } }));

const persisted = await fixtureRuntime({ kvsFile: tempFile('kvs.json') });
await timeIt('kvs.set via resolver, persisted to kvsFile (1000 keys stored)', 1000, (i) =>
  persisted.invokeResolver(ADMIN, 'kvsSet', { key: `k:${i}`, value: { i, pad: 'x'.repeat(200) } }),
);

const queue = await fixtureRuntime({ queue: { eventsPerMinute: 1e9 } });
for (let i = 0; i < 20; i++) {
  await queue.invokeResolver(ADMIN, 'push', { events: Array.from({ length: 50 }, (_, j) => ({ body: { mode: 'chain', id: j, left: 0 } })) });
}
const start = performance.now();
const summary = await queue.drainQueues();
console.log(`queue delivery: ${summary.delivered} events in ${(performance.now() - start).toFixed(0)} ms`);
