// Schedules at a time of day, through the real Forge handlers: Save checks them with the
// core (time zones from the runtime's Intl), and a tick starts an import only when its slot
// has come.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startSandbox } from '../../dev/sandbox/index.js';

let sandbox;
let target;

/** `HH:MM` in UTC, `minutes` from now. */
function utcClock(minutes) {
  const at = new Date(Date.now() + minutes * 60_000);
  return `${String(at.getUTCHours()).padStart(2, '0')}:${String(at.getUTCMinutes()).padStart(2, '0')}`;
}

before(async () => {
  sandbox = await startSandbox({ users: 8, seed: 4, firstSync: false });
  const schema = (await sandbox.invoke('listSchemas')).find((s) => s.name === 'People');
  const types = await sandbox.invoke('listObjectTypes', { schemaId: schema.id });
  target = { objectSchemaId: schema.id, objectTypeId: types.find((t) => t.name === 'Group').id };
});

after(async () => sandbox?.close());

const GROUPS = 'key:id=JumpCloud ID\nmap:name=Name\nconfig:api=usergroups\n';

test('Save refuses a schedule the core cannot read, saying what is wrong', async () => {
  for (const [schedule, says] of [
    [{ every: 'daily', at: '25:00' }, /Schedule: bad time of day '25:00'/],
    [{ every: 'daily', at: '06:00', timeZone: 'Mars/Olympus' }, /Schedule: unknown time zone "Mars\/Olympus"/],
    [{ every: 'hourly', day: 'monday' }, /Schedule: a weekday goes with weekly runs/],
    ['fortnightly', /Schedule: unknown schedule 'fortnightly'/],
  ]) {
    await assert.rejects(
      sandbox.invoke('saveImport', { import: { name: 'Bad', mapping: GROUPS, schedule, ...target } }),
      (error) => says.test(error.message),
      JSON.stringify(schedule),
    );
  }
  assert.ok(!(await sandbox.invoke('listImports')).some((i) => i.name === 'Bad'));
});

test('a tick starts a daily import at its time of day, not before', async () => {
  const later = await sandbox.invoke('saveImport', { import: {
    name: 'Later', mapping: GROUPS, ...target, schedule: { every: 'daily', at: utcClock(12 * 60), timeZone: 'UTC' },
  } });
  const now = await sandbox.invoke('saveImport', { import: {
    name: 'Now', mapping: GROUPS, ...target, schedule: { every: 'daily', at: utcClock(-1), timeZone: 'UTC' },
  } });
  await sandbox.runtime.tickScheduledTrigger('tributary-schedule');
  await sandbox.runtime.drainQueues();
  const runs = await sandbox.invoke('listRuns', {});
  assert.ok(runs.some((r) => r.importId === now.import.id && r.status === 'succeeded'), JSON.stringify(runs));
  assert.ok(!runs.some((r) => r.importId === later.import.id), 'the later slot has not come');
  // The same slot does not start it again.
  await sandbox.runtime.tickScheduledTrigger('tributary-schedule');
  await sandbox.runtime.drainQueues();
  assert.equal((await sandbox.invoke('listRuns', {})).filter((r) => r.importId === now.import.id).length, 1);
});
