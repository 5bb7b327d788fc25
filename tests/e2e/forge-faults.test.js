// Runs that die or double up on Forge, through the real Forge handlers on the local Forge
// runtime: an invocation killed at its time limit mid-way, the same queue event delivered
// twice, two runs of one import at once. The final Assets state must equal the expected state,
// with no duplicates and nothing lost. The scenario runs in its own process (see
// scenarios/interrupted-runs.js); this file checks what it measured.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

let m;

before(() => {
  const script = fileURLToPath(new URL('./scenarios/interrupted-runs.js', import.meta.url));
  const result = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 240_000 });
  assert.equal(result.status, 0, result.stderr);
  m = JSON.parse(result.stdout.trim().split('\n').pop());
});

test('an invocation killed at its time limit mid-way is finished by the redelivered event', () => {
  assert.match(m.killError ?? '', /timed out/);
  assert.ok(m.partial > 0 && m.partial < m.total, `killed part-way (${m.partial} of ${m.total})`);
  assert.equal(m.afterRedelivery, m.total, 'nothing lost, nothing doubled');
  assert.equal(m.distinctKeys, m.total);
});

test('the same queue event delivered twice writes nothing the second time', () => {
  assert.deepEqual(m.twiceFirst, { create: 0, update: 1, delete: 0 });
  assert.deepEqual(m.twiceSecond, { create: 0, update: 0, delete: 0 });
});

test('two runs of one import at once: the lease lets only one write', () => {
  assert.deepEqual(m.raceWrites, { create: 1, update: 0, delete: 0 });
  assert.ok(m.raceStatuses.includes('succeeded'), JSON.stringify(m.raceStatuses));
  assert.equal(m.countAfterRace, m.totalAfterRace);
});

test('every request stayed valid against the vendor specs', () => {
  assert.deepEqual(m.violations, []);
});
