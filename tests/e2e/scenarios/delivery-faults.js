// Forge's delivery faults played against the real Forge handlers on the local Forge runtime:
// a queue consumer killed at its time limit in each phase and its event redelivered, queue
// events duplicated or delivered late, the store failing writes, the scheduled trigger firing
// twice, two "Run now" at once. Each case starts from Assets in step with JumpCloud, changes
// the directory (a leaver, a hire, a promotion), injects its fault and delivers every queued
// event as Forge would, then measures the final Assets state object by object and the run
// record. It runs in a process of its own, ended with an explicit exit, as Forge ends a killed
// invocation's sandbox (here a killed handler lingers, its platform calls refused). Prints one
// JSON object for tests/e2e/forge-faults.test.js to check.
import { startSandbox } from '../../../dev/sandbox/index.js';
import { assetsWrites, objectsByKey, valuesOf } from '../helpers.js';

const USERS = 80;
// The consumer's limit in this scenario (the manifest's is 900 s): kills take seconds, and
// the budget the host derives from the remaining time is tested at a scale that runs here.
const CONSUMER_LIMIT_S = 4;
// A request that hangs longer than any invocation lives: the invocation dies waiting for it.
const HANG_MS = CONSUMER_LIMIT_S * 1000 + 1000;
// Hires in the cases that need several slices: with 300 ms creates the core keeps a dozen in
// flight and the create quota (2,000 a minute) is the bound, so their creates alone take two
// or three slices of this scenario's consumer.
const HIRES = 200;
const MAPPING_EXTRA = 'config:missing=delete\nconfig:maxDeletions=5\n';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A sandbox in step with JumpCloud, then changed: a leaver, a hire, a promotion. */
async function world(seed) {
  const sandbox = await startSandbox({
    users: USERS, seed, firstSync: false,
    runtime: { timeoutSeconds: { 'sync-worker': CONSUMER_LIMIT_S } },
  });
  const { runtime, emulators: { assets, tenant } } = sandbox;
  // This scenario delivers every event itself (the sandbox's background pump would race it).
  runtime.drainQueues = async () => ({});
  const [imported] = await sandbox.invoke('listImports');
  const mapping = `${imported.mapping.trimEnd()}\n${MAPPING_EXTRA}`;
  await sandbox.invoke('saveImport', { import: { ...imported, mapping, schedule: 'manual' } });
  await runNow(sandbox);
  await deliverAll(runtime);
  const before = new Map([...objectsByKey(assets, 'User')].map(([key, object]) => [key, object.id]));
  const managers = new Set(tenant.users.map((u) => u.manager).filter(Boolean));
  const leaver = tenant.users.find((u) => !managers.has(u._id) && u.manager);
  tenant.leave(leaver._id, { mode: 'delete' });
  tenant.hire({ firstname: 'Noor', lastname: 'Haddad' });
  tenant.promote(tenant.users[3]._id, { jobTitle: 'Head of Night Shifts' });
  return { sandbox, runtime, assets, tenant, before, leaver: leaver._id, from: assets.requests.length };
}

/** Many hires and slow creates: a run that needs several slices. */
function slowHires(w, count) {
  w.sandbox.emulators.assets.faults.reset({ seed: 1, rules: [{ route: 'POST /object/create', kind: 'latency', delayMs: 300 }] });
  for (let i = 0; i < count; i += 1) w.tenant.hire({ firstname: `Temp${i}`, lastname: 'Worker' });
}

async function runNow(sandbox) {
  return (await sandbox.invoke('runImport', { importId: sandbox.importId })).runId;
}

/** Delivers up to `count` queued events one at a time (backoffs skipped). */
async function deliver(runtime, count) {
  const results = [];
  for (let i = 0; i < count; i += 1) {
    const { results: [one] } = await runtime.deliverQueue({ maxEvents: 1, includeDelayed: true });
    if (!one) break;
    results.push(one);
  }
  return results;
}

/**
 * Delivers queued events until none is left, each when it is due (Forge's waits kept: a
 * redelivery the app asked for comes after the wait it named).
 */
async function deliverWhenDue(runtime) {
  const results = [];
  while (runtime.queue.pending.length && results.length < 300) {
    const due = Math.min(...runtime.queue.pending.map((e) => e.dueAt));
    await sleep(Math.max(0, due - Date.now()));
    const { results: [one] } = await runtime.deliverQueue({ maxEvents: 1 });
    if (one) results.push(one);
  }
  return results;
}

/** Delivers queued events until none is left. */
async function deliverAll(runtime) {
  const results = await deliver(runtime, 300);
  if (runtime.queue.pending.length) throw new Error('still delivering after 300 events');
  return results;
}

/**
 * The final state against the directory, object by object: every user exactly once with its
 * values, users that were there before kept as the same object (nothing retired and made
 * again), the leaver gone.
 */
function verdict({ assets, tenant, before, leaver }) {
  const userType = [...assets.state.objectTypes.values()].find((t) => t.name === 'User');
  const objects = [...assets.state.objects.values()].filter((o) => o.objectTypeId === userType.id);
  const byKey = objectsByKey(assets, 'User');
  const problems = [];
  if (objects.length !== byKey.size) problems.push(`${objects.length - byKey.size} duplicate object(s)`);
  for (const user of tenant.users) {
    const object = byKey.get(user._id);
    if (!object) {
      problems.push(`missing ${user._id}`);
      continue;
    }
    if (before.has(user._id) && before.get(user._id) !== object.id) problems.push(`${user._id} was made again`);
    const email = valuesOf(assets, object, 'Email')[0];
    if (email !== user.email.trim().toLowerCase()) problems.push(`${user._id}: Email ${email}`);
    if ((valuesOf(assets, object, 'Job Title')[0] ?? null) !== (user.jobTitle || null)) problems.push(`${user._id}: Job Title`);
  }
  if (byKey.has(leaver)) problems.push(`leaver ${leaver} not retired`);
  if (byKey.size !== tenant.users.length) problems.push(`${byKey.size} objects for ${tenant.users.length} users`);
  return problems;
}

/** The run record of `runId`, reduced to what the tests check. */
async function record(sandbox, runId) {
  const run = (await sandbox.invoke('listRuns', { importId: sandbox.importId })).find((r) => r.runId === runId);
  if (!run) return null;
  const { status, counts, finishedAt, invocations, interrupted, error, message } = run;
  return {
    status, counts, finished: Boolean(finishedAt), invocations, interrupted: interrupted ?? 0,
    code: error?.code ?? null, message: message ?? null,
  };
}

/** What the engine leaves in storage between runs: no state, no lease. */
const leftovers = (runtime) => runtime.kvs.keys().filter((k) => /^tributary:(state|lease):/.test(k));

const timedOut = (runtime) => runtime.invocations.filter((i) => i.functionKey === 'sync-worker' && i.status === 'timeout').length;

async function finish(w, runId, extra = {}) {
  const out = {
    problems: verdict(w),
    record: await record(w.sandbox, runId),
    writes: assetsWrites(w.assets, w.from),
    leftovers: leftovers(w.runtime),
    violations: w.sandbox.emulators.violations(),
    ...extra,
  };
  return out;
}

// `hires`: the creates of a slow run (its hires and the one every case makes).
const out = { users: USERS, hires: HIRES + 1 };

// 1. A consumer killed in each phase, its event redelivered: a request of that phase hangs
//    past the invocation's limit once.
const PHASES = {
  config: { service: 'assets', route: 'GET /objecttype/{id}/attributes' },
  sourceRead: { service: 'jumpCloud', route: 'GET /api/systemusers' },
  assetsRead: { service: 'assets', route: 'POST /object/aql' },
  writes: { service: 'assets', route: 'POST /object/create' },
};
out.killed = {};
let seed = 40;
for (const [phase, { service, route }] of Object.entries(PHASES)) {
  const w = await world((seed += 1));
  const plan = w.sandbox.emulators[service].faults;
  plan.reset({ seed: 1, rules: [{ route, kind: 'latency', count: 1, delayMs: HANG_MS }] });
  const runId = await runNow(w.sandbox);
  const [first] = await deliver(w.runtime, 1);
  const hung = plan.rules[0].fired;
  // The hung request lands after the kill (a killed invocation's last write may still
  // commit); Forge redelivers later than that.
  await sleep(HANG_MS);
  plan.reset({ seed: 1, rules: [] });
  const rest = await deliverAll(w.runtime);
  out.killed[phase] = await finish(w, runId, {
    firstOutcome: first?.outcome ?? null, firstReason: first?.reason ?? null, hung, timedOut: timedOut(w.runtime),
    deliveries: 1 + rest.length,
  });
  await w.sandbox.close();
}

// 1b. A consumer killed at the same point every time (a JumpCloud page that hangs past the
//     limit, three times): after the third kill the redelivered event fails the run with
//     E112 instead of trying once more, frees the import, and the next run converges.
{
  const w = await world((seed += 1));
  const plan = w.sandbox.emulators.jumpCloud.faults;
  plan.reset({ seed: 1, rules: [{ route: 'GET /api/systemusers', kind: 'latency', count: 3, delayMs: HANG_MS }] });
  const runId = await runNow(w.sandbox);
  const outcomes = [];
  while (w.runtime.queue.pending.length && outcomes.length < 10) {
    const [one] = await deliver(w.runtime, 1);
    outcomes.push(one?.outcome ?? null);
    if (one?.outcome === 'retrying') await sleep(HANG_MS);
  }
  const hung = plan.rules[0].fired;
  plan.reset({ seed: 1, rules: [] });
  const failed = await record(w.sandbox, runId);
  const leftAfterFailure = leftovers(w.runtime);
  const from = w.assets.requests.length;
  const nextRun = await runNow(w.sandbox);
  await deliverAll(w.runtime);
  out.killedRepeatedly = await finish(w, nextRun, {
    outcomes, hung, timedOut: timedOut(w.runtime), failed, leftAfterFailure,
    writesNextRun: assetsWrites(w.assets, from),
  });
  await w.sandbox.close();
}

// 2. Every event delivered twice, on a run that needs several slices (slow creates): each
//    copy is acknowledged and does nothing; every slice hands over before the limit.
{
  const w = await world(51);
  slowHires(w, HIRES);
  w.runtime.queue.duplicateRate = 1;
  const invocationsBefore = w.runtime.invocations.length;
  const runId = await runNow(w.sandbox);
  const deliveries = await deliverAll(w.runtime);
  const consumer = w.runtime.invocations.slice(invocationsBefore).filter((i) => i.functionKey === 'sync-worker');
  out.duplicated = await finish(w, runId, {
    deliveries: deliveries.length,
    outcomes: [...new Set(deliveries.map((d) => d.outcome))],
    statuses: [...new Set(consumer.map((i) => i.status))],
    longestMs: Math.max(...consumer.map((i) => i.durationMs)),
    limitMs: CONSUMER_LIMIT_S * 1000,
    dropped: w.runtime.logs.filter((l) => /did nothing|stale/.test(l.message)).length,
  });
  w.runtime.queue.duplicateRate = 0;
  // 3. Late copies of the run's events, after it finished: acknowledged, nothing written.
  const from = w.assets.requests.length;
  const keys = w.runtime.kvs.keys().length;
  const late = [];
  for (const slice of [0, 1, 2]) {
    const value = await w.runtime.invokeFunction('sync-worker', { body: { importId: w.sandbox.importId, runId, slice } });
    late.push(value === undefined ? 'acknowledged' : JSON.stringify(value));
  }
  out.stale = { late, writes: assetsWrites(w.assets, from), keysAdded: w.runtime.kvs.keys().length - keys };
  await w.sandbox.close();
}

// 4. A stale event while the run goes on: a copy of slice 0 delivered when slice 2 is next.
//    Three times the hires: paced writes in flight finish 200 creates within two slices, and
//    this case needs a third.
{
  const w = await world(52);
  const hires = 3 * HIRES;
  slowHires(w, hires);
  const runId = await runNow(w.sandbox);
  const first = w.runtime.queue.pending[0].body;
  await deliver(w.runtime, 2);
  const next = w.runtime.queue.pending[0]?.body;
  const from = w.assets.requests.length;
  const copy = await w.runtime.invokeFunction('sync-worker', { body: first });
  const copyWrites = assetsWrites(w.assets, from);
  await deliverAll(w.runtime);
  out.staleMidRun = await finish(w, runId, {
    hires: hires + 1, nextSlice: next?.slice ?? null, copyAnswer: copy === undefined ? 'acknowledged' : JSON.stringify(copy), copyWrites,
  });
  await w.sandbox.close();
}

// 5. The store refuses writes. (a) The run state cannot be stored at the end of a slice: the
//    run fails with E110 and says so; nothing is written twice; the next run completes.
//    (b) A slice cannot be claimed: the event is delivered again and then runs.
{
  const w = await world(53);
  slowHires(w, HIRES);
  const fault = w.runtime.kvs.injectFault({ keyPrefix: 'tributary:state:' });
  const failedRun = await runNow(w.sandbox);
  const deliveries = await deliverAll(w.runtime);
  fault.remove();
  const failed = await record(w.sandbox, failedRun);
  const createsFailedRun = assetsWrites(w.assets, w.from).create;
  const from = w.assets.requests.length;
  const nextRun = await runNow(w.sandbox);
  await deliverAll(w.runtime);
  out.stateRefused = await finish(w, nextRun, {
    failed, refusedWrites: fault.failed, deliveriesFailedRun: deliveries.length,
    failedRunOutcomes: [...new Set(deliveries.map((d) => d.outcome))],
    createsFailedRun, createsNextRun: assetsWrites(w.assets, from).create,
  });
  await w.sandbox.close();
}
{
  const w = await world(54);
  const fault = w.runtime.kvs.injectFault({ keyPrefix: 'tributary:slice:', times: 1 });
  const runId = await runNow(w.sandbox);
  const deliveries = await deliverAll(w.runtime);
  out.claimRefused = await finish(w, runId, {
    refusedWrites: fault.failed, outcomes: deliveries.map((d) => d.outcome),
  });
  await w.sandbox.close();
}

// 5c. The next slice cannot be queued. Throttled once: the event comes again after the
//     slice's deadline, takes the slice over, finds its work stored and queues the next slice;
//     the run completes once. The chain of 1000 pushes used up: the event is acknowledged and
//     the run stops, logged, with nothing written twice.
{
  const w = await world(57);
  slowHires(w, HIRES);
  const runId = await runNow(w.sandbox);
  const { queue } = w.runtime;
  queue.pushWindow = { start: Date.now(), count: queue.eventsPerMinute };
  const [first] = await deliver(w.runtime, 1);
  queue.pushWindow = { start: 0, count: 0 };
  const rest = await deliverWhenDue(w.runtime);
  out.pushThrottled = await finish(w, runId, { first: first.outcome, outcomes: rest.map((d) => d.outcome) });
  await w.sandbox.close();
}
{
  const w = await world(58);
  slowHires(w, HIRES);
  const runId = await runNow(w.sandbox);
  w.runtime.queue.pending[0].chain.pushes = 1000;
  const deliveries = await deliverAll(w.runtime);
  out.chainLimit = {
    outcomes: deliveries.map((d) => d.outcome),
    logged: w.runtime.logs.some((l) => l.level === 'error' && /cannot continue: slice 1 could not be queued/.test(l.message)),
    record: await record(w.sandbox, runId),
    problems: verdict(w).filter((p) => /duplicate|made again/.test(p)),
  };
  await w.sandbox.close();
}

// 6. The scheduled trigger fires twice at the same moment, then once more: one run.
{
  const w = await world(55);
  const [imported] = await w.sandbox.invoke('listImports');
  await w.sandbox.invoke('saveImport', { import: { ...imported, schedule: 'hourly' } });
  const queuedBefore = w.runtime.queue.pending.length;
  await Promise.all([w.runtime.tickScheduledTrigger('tributary-schedule'), w.runtime.tickScheduledTrigger('tributary-schedule')]);
  const queuedByTwo = w.runtime.queue.pending.length - queuedBefore;
  await deliverAll(w.runtime);
  await w.runtime.tickScheduledTrigger('tributary-schedule');
  const queuedByThird = w.runtime.queue.pending.length;
  const runs = await w.sandbox.invoke('listRuns', { importId: w.sandbox.importId });
  const newest = runs[0];
  out.ticks = await finish(w, newest.runId, { queuedByTwo, queuedByThird, runs: runs.length });
  await w.sandbox.close();
}

// 7. "Run now" pressed twice at once: both events delivered at the same moment; one run
//    writes, the other is recorded as busy.
{
  const w = await world(56);
  const ids = await Promise.all([runNow(w.sandbox), runNow(w.sandbox)]);
  await Promise.all([
    w.runtime.deliverQueue({ maxEvents: 1, includeDelayed: true }),
    w.runtime.deliverQueue({ maxEvents: 1, includeDelayed: true }),
  ]);
  await deliverAll(w.runtime);
  const records = await Promise.all(ids.map((id) => record(w.sandbox, id)));
  const ran = ids[records.findIndex((r) => r?.status !== 'busy')];
  out.runNowTwice = await finish(w, ran, { statuses: records.map((r) => r?.status ?? null).sort(), busy: records.find((r) => r?.status === 'busy') ?? null });
  await w.sandbox.close();
}

// 8. The directory changes while a run goes on (after its first slice read it): the run
//    finishes what it read, and the next run converges: the leaver retired, the rename written.
{
  const w = await world(59);
  slowHires(w, HIRES);
  const runId = await runNow(w.sandbox);
  await deliver(w.runtime, 1);
  const midLeaver = w.tenant.users.find((u) => !w.tenant.users.some((o) => o.manager === u._id) && u.manager && u._id !== w.leaver);
  w.tenant.leave(midLeaver._id, { mode: 'delete' });
  w.tenant.rename(w.tenant.users[5]._id, { firstname: 'Renamed', email: 'renamed.mid.run@example.com' });
  await deliverAll(w.runtime);
  const first = await record(w.sandbox, runId);
  const stillThere = objectsByKey(w.assets, 'User').has(midLeaver._id);
  w.sandbox.emulators.assets.faults.reset({ seed: 1, rules: [] });
  const from = w.assets.requests.length;
  const next = await runNow(w.sandbox);
  await deliverAll(w.runtime);
  w.from = from;
  out.changedMidRun = await finish(w, next, { first, stillThere, midLeaver: midLeaver._id });
  out.changedMidRun.problems = out.changedMidRun.problems.concat(
    objectsByKey(w.assets, 'User').has(midLeaver._id) ? [`mid-run leaver ${midLeaver._id} not retired`] : [],
  );
  await w.sandbox.close();
}

process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
