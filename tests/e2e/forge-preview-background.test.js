// A preview too big for one resolver call goes on in the background, through the real Forge
// handlers: previewImport answers `queued` with a run id, the queue runs the whole dry run,
// getRun shows its record (never in the run history), getRunResults pages and searches every
// planned entry; nothing is written. A real run keeps its results the same way.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startSandbox } from '../../dev/sandbox/index.js';
import { assetsWrites } from './helpers.js';

const USERS = 120;
let sandbox;
let previewId;

before(async () => {
  // One unit of work per resolver call: every preview here is "too big" for it.
  process.env.TRIBUTARY_PREVIEW_BUDGET_MS = '1';
  sandbox = await startSandbox({ users: USERS, seed: 5, firstSync: false });
});

after(async () => {
  delete process.env.TRIBUTARY_PREVIEW_BUDGET_MS;
  await sandbox?.close();
});

test('a preview that does not fit one call is queued, then its record and every entry can be read', async () => {
  const { assets } = sandbox.emulators;
  const writesBefore = assets.requests.length;
  const answer = await sandbox.invoke('previewImport', { importId: sandbox.importId });
  assert.equal(answer.status, 'queued', JSON.stringify(answer).slice(0, 400));
  assert.equal(answer.dryRun, true);
  assert.match(answer.runId, /\S/);
  assert.equal(answer.plan, undefined, 'no partial plan is shown as if it were the plan');
  previewId = answer.runId;

  await sandbox.runtime.drainQueues();
  const record = await sandbox.invoke('getRun', { importId: sandbox.importId, runId: previewId });
  assert.equal(record.dryRun, true);
  assert.ok(['succeeded', 'partial'].includes(record.status), JSON.stringify(record).slice(0, 600));
  assert.equal(record.counts.created, USERS, 'the full plan: every user would be created');
  assert.equal(record.results.total, USERS);
  assert.deepEqual(assetsWrites(assets, writesBefore), { create: 0, update: 0, delete: 0 }, 'a preview writes nothing');
  assert.equal((await sandbox.invoke('listRuns', { importId: sandbox.importId })).length, 0, 'not in run history');

  const first = await sandbox.invoke('getRunResults', { importId: sandbox.importId, runId: previewId, kind: 'create', limit: 50 });
  assert.equal(first.total, USERS);
  assert.equal(first.entries.length, 50);
  const third = await sandbox.invoke('getRunResults', { importId: sandbox.importId, runId: previewId, kind: 'create', offset: 100, limit: 50 });
  assert.equal(third.entries.length, USERS - 100);
  const keys = new Set([...first.entries, ...third.entries].map((e) => e.key));
  assert.equal(keys.size, first.entries.length + third.entries.length, 'pages do not overlap');
  assert.ok(first.entries.every((e) => e.kind === 'create' && e.changes.length > 0));

  const someone = sandbox.emulators.tenant.users[7];
  const found = await sandbox.invoke('getRunResults', { importId: sandbox.importId, runId: previewId, query: someone.email.toUpperCase() });
  assert.ok(found.total >= 1, 'search ignores case');
  assert.ok(found.entries.some((e) => e.key === someone._id), JSON.stringify(found.entries[0]));
});

test('an unsaved draft previews in the background as the page shows it, not as saved', async () => {
  const saved = (await sandbox.invoke('listImports')).find((i) => i.id === sandbox.importId);
  const department = sandbox.emulators.tenant.users[0].department;
  const expected = sandbox.emulators.tenant.users.filter((u) => u.department === department).length;
  const mapping = `${saved.mapping.trim()}\nconfig:filter=department:$eq:${department}\n`;
  const answer = await sandbox.invoke('previewImport', {
    importId: saved.id, mapping, objectSchemaId: saved.objectSchemaId, objectTypeId: saved.objectTypeId,
  });
  assert.equal(answer.status, 'queued');
  await sandbox.runtime.drainQueues();
  const record = await sandbox.invoke('getRun', { importId: saved.id, runId: answer.runId });
  assert.equal(record.counts.source, expected, JSON.stringify(record.counts));
  assert.ok(expected < USERS);
  const stillSaved = (await sandbox.invoke('listImports')).find((i) => i.id === sandbox.importId);
  assert.equal(stillSaved.mapping, saved.mapping, 'previewing a draft never saves it');
});

test('a real run keeps every per-record result; unknown runs and bad fields are refused by name', async () => {
  const { runId } = await sandbox.invoke('runImport', { importId: sandbox.importId });
  await sandbox.runtime.drainQueues();
  const record = await sandbox.invoke('getRun', { importId: sandbox.importId, runId });
  assert.equal(record.dryRun, undefined);
  assert.equal(record.counts.created, USERS);
  const page = await sandbox.invoke('getRunResults', { importId: sandbox.importId, runId, kind: 'create' });
  assert.equal(page.total, USERS);
  const [listed] = await sandbox.invoke('listRuns', { importId: sandbox.importId });
  assert.equal(listed.runId, runId);

  assert.equal(await sandbox.invoke('getRun', { importId: sandbox.importId, runId: 'never-ran' }), null);
  await assert.rejects(sandbox.invoke('getRunResults', { importId: sandbox.importId, runId: 'never-ran' }), /no run never-ran/);
  await assert.rejects(sandbox.invoke('getRunResults', { importId: sandbox.importId, runId, kind: 'everything' }),
    /'kind' must be one of create, update, retire, error/);
  await assert.rejects(sandbox.invoke('getRunResults', { importId: sandbox.importId, runId, limit: 501 }), /'limit' must be a whole number from 1 to 500/);
});
