// Runs that die or double up on Forge, played in a process of their own and ended with an
// explicit exit — as Forge ends a timed-out invocation's sandbox. (In one long-lived process a
// killed invocation's retries would linger; on Forge they are gone with the sandbox.)
// Prints one JSON object of measurements for tests/e2e/forge-faults.test.js to check.
import { startSandbox } from '../../../dev/sandbox/index.js';
import { FaultPlan } from '../../../dev/emulators/index.js';
import { assetsWrites, objectsByKey } from '../helpers.js';

const sandbox = await startSandbox({
  users: 120, seed: 13, firstSync: false,
  // Slow creates, so that a five-second invocation dies part-way through the initial import.
  assets: { faults: new FaultPlan({ seed: 1, rules: [{ route: 'POST /object/create', kind: 'latency', every: 1, delayMs: 300 }] }) },
});
const { assets, tenant } = sandbox.emulators;
const worker = (body, options) => sandbox.runtime.invokeFunction('sync-worker', { body }, options);
const userCount = () => {
  const userType = [...assets.state.objectTypes.values()].find((t) => t.name === 'User');
  return [...assets.state.objects.values()].filter((o) => o.objectTypeId === userType.id).length;
};
const out = { total: tenant.users.length };

// 1. Killed at its time limit, then the same event redelivered (at-least-once).
const killed = { importId: sandbox.importId, runId: 'killed-run', resume: false };
out.killError = await worker(killed, { timeoutSeconds: 5 }).then(() => null, (error) => error.message);
out.partial = userCount();
await worker(killed);
out.afterRedelivery = userCount();
out.distinctKeys = objectsByKey(assets, 'User').size;

// 2. The same event delivered twice.
tenant.promote(tenant.users[7]._id, { jobTitle: 'Deputy Head of Snacks' });
const twice = { importId: sandbox.importId, runId: 'twice', resume: false };
let from = assets.requests.length;
await worker(twice);
out.twiceFirst = assetsWrites(assets, from);
from = assets.requests.length;
await worker(twice);
out.twiceSecond = assetsWrites(assets, from);

// 3. Two runs of one import at once (a duplicate trigger).
tenant.hire({ firstname: 'Lea', lastname: 'Sé' });
from = assets.requests.length;
await Promise.all(['race-a', 'race-b'].map((runId) => worker({ importId: sandbox.importId, runId, resume: false })));
out.raceWrites = assetsWrites(assets, from);
const runs = await sandbox.invoke('listRuns', { importId: sandbox.importId });
out.raceStatuses = ['race-a', 'race-b'].map((id) => runs.find((r) => r.runId === id)?.status ?? null);
out.totalAfterRace = tenant.users.length;
out.countAfterRace = userCount();
out.violations = sandbox.emulators.violations();

process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
