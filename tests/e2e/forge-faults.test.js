// Forge's delivery faults through the real Forge handlers on the local Forge runtime: a
// consumer killed in each phase and its event redelivered, duplicated and stale queue events,
// the store refusing writes, duplicate scheduler ticks, two "Run now" at once. Each case ends
// with the final Assets state checked object by object (every user exactly once with its
// values, no object retired and made again, the leaver retired) and the run record. The
// scenario runs in its own process (see scenarios/delivery-faults.js); this file checks what
// it measured.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

let m;

before(() => {
  const script = fileURLToPath(new URL('./scenarios/delivery-faults.js', import.meta.url));
  const result = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 400_000 });
  assert.equal(result.status, 0, result.stderr);
  m = JSON.parse(result.stdout.trim().split('\n').pop());
});

/** A case ended in the right state: nothing lost, nothing doubled, nothing wrongly retired. */
function assertExact(result, label) {
  assert.deepEqual(result.problems, [], `${label}: ${result.problems.join('; ')}`);
  assert.deepEqual(result.leftovers, [], `${label}: no run state or lease left behind`);
  assert.deepEqual(result.violations, [], `${label}: every request valid against the vendor specs`);
}

/** The changes every case makes (a hire, a promotion, a leaver), each written once. */
const ONE_OF_EACH = { create: 1, update: 1, delete: 1 };

describe('a consumer killed in each phase, its event redelivered', () => {
  for (const phase of ['config', 'sourceRead', 'assetsRead', 'writes']) {
    test(`killed in ${phase}: the redelivered event finishes the run, every object exactly once`, () => {
      const k = m.killed[phase];
      assert.equal(k.hung, 1, 'the invocation was waiting on a request of that phase');
      assert.equal(k.firstOutcome, 'retrying');
      assert.equal(k.firstReason, 'FUNCTION_TIME_OUT');
      assert.equal(k.timedOut, 1);
      assertExact(k, phase);
      assert.deepEqual(k.writes, ONE_OF_EACH, 'each change written once, even the one cut by the kill');
      assert.equal(k.record.status, 'succeeded');
      assert.ok(k.record.finished);
      assert.equal(k.record.interrupted, 1, 'the record says an invocation was stopped');
      assert.equal(k.record.invocations, 2, 'the stopped invocation and the one that finished');
      const c = k.record.counts;
      assert.equal(c.source, m.users);
      assert.equal(c.failed, 0);
      assert.equal(c.deleted, 1);
      assert.equal(c.created + c.updated + c.unchanged, m.users, 'every record accounted for');
    });
  }
});

test('a consumer killed at the same point three times: the run fails with E112, frees the import, and the next run converges', () => {
  const k = m.killedRepeatedly;
  assert.equal(k.hung, 3);
  assert.equal(k.timedOut, 3, 'three invocations killed at the limit');
  assert.deepEqual(k.outcomes, ['retrying', 'retrying', 'retrying', 'succeeded'], 'the fourth delivery ends the run');
  assert.equal(k.failed.status, 'failed');
  assert.equal(k.failed.code, 'E112');
  assert.ok(k.failed.finished);
  assert.match(k.failed.message, /slice 0 of this run was stopped 3 times in a row/);
  assert.equal(k.failed.interrupted, 3);
  assert.equal(k.failed.invocations, 4);
  assert.deepEqual(k.leftAfterFailure, [], 'no run state or lease left by the failed run');
  assertExact(k, 'killedRepeatedly');
  assert.deepEqual(k.writesNextRun, ONE_OF_EACH, 'the next run writes each change once');
  assert.equal(k.record.status, 'succeeded');
});

test('every event delivered twice: each copy is acknowledged and does nothing', () => {
  const d = m.duplicated;
  assertExact(d, 'duplicated');
  assert.ok(d.record.invocations >= 2, `several slices (${d.record.invocations})`);
  assert.equal(d.deliveries, 2 * d.record.invocations, 'each slice event came twice');
  assert.deepEqual(d.outcomes.sort(), ['duplicated', 'succeeded'], 'no copy asked for a retry');
  assert.equal(d.dropped, d.record.invocations, 'each copy was dropped as a duplicate');
  assert.deepEqual(d.writes, { create: m.hires, update: 1, delete: 1 });
  assert.equal(d.record.status, 'succeeded');
  assert.equal(d.record.counts.created, m.hires);
  assert.equal(d.record.interrupted, 0);
});

test('each slice hands over before the invocation is killed: the budget comes from the remaining time', () => {
  const d = m.duplicated;
  assert.deepEqual(d.statuses, ['ok'], 'no slice was killed');
  assert.ok(d.longestMs < d.limitMs, `longest slice ${d.longestMs} ms of ${d.limitMs} ms`);
});

test('late copies of a finished run\'s events are acknowledged and change nothing', () => {
  assert.deepEqual(m.stale.late, ['acknowledged', 'acknowledged', 'acknowledged']);
  assert.deepEqual(m.stale.writes, { create: 0, update: 0, delete: 0 });
  assert.equal(m.stale.keysAdded, 0, 'nothing stored');
});

test('a copy of an earlier slice delivered while the run goes on is dropped; the run finishes', () => {
  const s = m.staleMidRun;
  assert.equal(s.nextSlice, 2);
  assert.equal(s.copyAnswer, 'acknowledged');
  assert.deepEqual(s.copyWrites, { create: 0, update: 0, delete: 0 });
  assertExact(s, 'staleMidRun');
  assert.deepEqual(s.writes, { create: s.hires, update: 1, delete: 1 });
  assert.equal(s.record.status, 'succeeded');
});

test('a store that refuses the run state: the run fails with E110, nothing is written twice, the next run completes', () => {
  const s = m.stateRefused;
  assert.ok(s.refusedWrites >= 1);
  assert.equal(s.failed.status, 'failed');
  assert.equal(s.failed.code, 'E110');
  assert.ok(s.failed.finished);
  assert.deepEqual(s.failedRunOutcomes, ['succeeded'], 'a failed run is acknowledged, not retried for a day');
  assert.equal(s.createsFailedRun + s.createsNextRun, m.hires, 'every hire created once over both runs');
  assert.ok(s.createsFailedRun > 0 && s.createsNextRun > 0);
  assertExact(s, 'stateRefused');
  assert.equal(s.record.status, 'succeeded');
  assert.equal(s.record.counts.created, s.createsNextRun);
});

test('a slice the store cannot claim is delivered again, then runs', () => {
  const c = m.claimRefused;
  assert.equal(c.refusedWrites, 1);
  assert.deepEqual(c.outcomes, ['retrying', 'succeeded']);
  assertExact(c, 'claimRefused');
  assert.deepEqual(c.writes, ONE_OF_EACH);
  assert.equal(c.record.status, 'succeeded');
});

test('the next slice throttled: the event comes again after the deadline and queues it; the run completes once', () => {
  const p = m.pushThrottled;
  assert.equal(p.first, 'retrying');
  // Until the stopped slice's claim lapses a copy is sent back again; none is dropped.
  assert.ok(p.outcomes.every((o) => o === 'succeeded' || o === 'retrying'), JSON.stringify(p.outcomes));
  assert.equal(p.outcomes.at(-1), 'succeeded');
  assertExact(p, 'pushThrottled');
  assert.deepEqual(p.writes, { create: m.hires, update: 1, delete: 1 });
  assert.equal(p.record.status, 'succeeded');
});

test('the chain of 1000 pushes used up: the event is acknowledged, the stop logged, nothing doubled', () => {
  const c = m.chainLimit;
  assert.deepEqual(c.outcomes, ['succeeded']);
  assert.ok(c.logged);
  assert.equal(c.record.finished, false, 'the record does not claim the run finished');
  assert.deepEqual(c.problems, []);
});

test('two scheduler ticks at the same moment queue one run; a third finds nothing due', () => {
  const t = m.ticks;
  assert.equal(t.queuedByTwo, 1);
  assert.equal(t.queuedByThird, 0);
  assert.equal(t.runs, 2, 'the first sync and the one scheduled run');
  assertExact(t, 'ticks');
  assert.deepEqual(t.writes, ONE_OF_EACH);
});

test('"Run now" twice at once: one run writes, the other is recorded as busy', () => {
  const r = m.runNowTwice;
  assert.deepEqual(r.statuses, ['busy', 'succeeded']);
  assert.match(r.busy.message, /another run of import .* is in progress; this trigger did nothing/);
  assert.equal(r.busy.counts.created + r.busy.counts.updated + r.busy.counts.deleted, 0);
  assertExact(r, 'runNowTwice');
  assert.deepEqual(r.writes, ONE_OF_EACH);
});

test('the directory changes while a run goes on: the run finishes, the next run converges object by object', () => {
  const c = m.changedMidRun;
  assert.equal(c.first.status, 'succeeded');
  assert.ok(c.stillThere, 'the run that read the leaver before they left did not retire them');
  assertExact(c, 'changedMidRun');
  assert.deepEqual(c.writes, { create: 0, update: 1, delete: 1 }, 'the next run: the rename and the leaver');
  assert.equal(c.record.status, 'succeeded');
});
