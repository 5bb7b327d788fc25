// The standalone CLI against the emulators, with Basic auth as Atlassian documents for API
// tokens: sync, re-run, preview, deletion policies and their guards, devices linked to owners,
// and fault storms that must not change the final state.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { API_KEY, TOKEN, assetsWrites, mappingFile, objectsByKey, tributary, valuesOf, world } from './helpers.js';

const examples = fileURLToPath(new URL('../../examples/', import.meta.url));

const USERS = `${examples}users.map`;

describe('sync, re-run, preview', () => {
  let w;
  before(async () => {
    w = await world();
  });
  after(async () => w?.close());

  test('sync creates every user; --json report is complete; secrets stay out of output', async () => {
    const r = await tributary(['sync', USERS, '--json'], w.env);
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(0, 2000));
    assert.equal(r.json.status, 'succeeded');
    assert.equal(r.json.counts.created, w.tenant.users.length);
    assert.equal(objectsByKey(w.assets, 'User').size, w.tenant.users.length);
    for (const field of ['runId', 'importId', 'counts', 'errors', 'apiCalls', 'durationMs']) assert.ok(field in r.json, field);
    assert.ok(r.json.apiCalls.create >= w.tenant.users.length);
    assert.ok(!(r.stdout + r.stderr).includes(API_KEY) && !(r.stdout + r.stderr).includes(TOKEN));
  });

  test('a re-run writes nothing', async () => {
    const from = w.assets.requests.length;
    const r = await tributary(['sync', USERS, '--json'], w.env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(assetsWrites(w.assets, from), { create: 0, update: 0, delete: 0 });
  });

  test('preview shows field-level changes and writes nothing', async () => {
    const user = w.tenant.users.find((u) => u.state === 'ACTIVATED');
    w.tenant.promote(user._id, { jobTitle: 'Chief Tea Officer' });
    const from = w.assets.requests.length;
    const r = await tributary(['preview', USERS, '--json'], w.env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(assetsWrites(w.assets, from), { create: 0, update: 0, delete: 0 });
    const update = r.json.plan.updates.find((u) => u.key === user._id);
    assert.ok(update, JSON.stringify(r.json.plan.updates));
    const change = update.changes.find((c) => c.attribute === 'Job Title');
    assert.deepEqual(change.new, ['Chief Tea Officer']);
    const text = await tributary(['preview', USERS], w.env);
    assert.match(text.stdout, /Chief Tea Officer/);
  });

  test('a field emptied on many users: preview and sync stop with the guard and keep the values (exit 1)', async () => {
    const promoted = w.tenant.users.find((u) => u.jobTitle === 'Chief Tea Officer');
    const emptied = w.tenant.users.filter((u) => u.jobTitle && u !== promoted).slice(0, 12);
    assert.equal(emptied.length, 12);
    for (const user of emptied) w.tenant.promote(user._id, { jobTitle: '' });
    const preview = await tributary(['preview', USERS, '--json'], w.env);
    assert.equal(preview.code, 1, preview.stderr);
    assert.equal(preview.json.status, 'stopped');
    assert.match(preview.json.guard.reason, /Job Title on 12 object\(s\)/);
    assert.ok(!preview.json.plan.updates.some((u) => u.changes.some((c) => c.attribute === 'Job Title' && !c.new.length)));
    const r = await tributary(['sync', USERS, '--json'], w.env);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.json.status, 'stopped');
    const objects = objectsByKey(w.assets, 'User');
    for (const user of emptied) assert.equal(valuesOf(w.assets, objects.get(user._id), 'Job Title').length, 1, user._id);
    if (promoted) assert.deepEqual(valuesOf(w.assets, objects.get(promoted._id), 'Job Title'), ['Chief Tea Officer'], 'the other changes are written');
    const text = await tributary(['preview', USERS], w.env);
    assert.match(text.stdout, /stopped by a guard\nWould be: .*\nGuard: the run would clear Job Title on 12 object\(s\)/);
  });

  test('every request was valid against the vendor specs', () => {
    assert.deepEqual(w.violations(), []);
  });
});

describe('missing objects: policies and guards', () => {
  let w;
  let dir;
  let leaverId;
  before(async () => {
    w = await world({ users: 40, seed: 11 });
    dir = await mkdtemp(join(tmpdir(), 'tributary-maps-'));
  });
  after(async () => {
    await w?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const base = 'key:_id=JumpCloud ID\nmap:username=Name\nmap:email=Email\nconfig:api=systemusers\nconfig:objectSchema=People\nconfig:objectType=User\n';

  test('ignore (the default) leaves a leaver alone', async () => {
    const file = await mappingFile(dir, 'ignore.map', base);
    assert.equal((await tributary(['sync', file, '--json'], w.env)).code, 0);
    const leaver = w.tenant.users[1];
    leaverId = leaver._id;
    w.tenant.leave(leaver._id, { mode: 'delete' });
    const from = w.assets.requests.length;
    const r = await tributary(['sync', file, '--json'], w.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.counts.missing, 1);
    assert.deepEqual(assetsWrites(w.assets, from), { create: 0, update: 0, delete: 0 });
    assert.ok(objectsByKey(w.assets, 'User').has(leaver._id));
  });

  test('mark sets the attribute on the leaver only', async () => {
    const file = await mappingFile(dir, 'ignore.map', `${base}config:missing=mark|Status=Inactive\n`);
    const from = w.assets.requests.length;
    const r = await tributary(['sync', file, '--json'], w.env);
    assert.equal(r.code, 0, r.stderr + JSON.stringify(r.json?.errors));
    assert.equal(r.json.counts.marked, 1);
    assert.deepEqual(assetsWrites(w.assets, from), { create: 0, update: 1, delete: 0 });
    const inactive = [...w.assets.state.statuses.values()].find((st) => st.name === 'Inactive');
    assert.deepEqual(valuesOf(w.assets, objectsByKey(w.assets, 'User').get(leaverId), 'Status'), [inactive.id]);
  });

  test('more deletions than the threshold stop the run and delete nothing (exit 1)', async () => {
    for (const user of w.tenant.users.slice(2, 6)) w.tenant.leave(user._id, { mode: 'delete' });
    const file = await mappingFile(dir, 'ignore.map', `${base}config:missing=delete\nconfig:maxDeletions=2\n`);
    const from = w.assets.requests.length;
    const r = await tributary(['sync', file, '--json'], w.env);
    assert.equal(r.code, 1, r.stdout.slice(0, 1000));
    assert.equal(r.json.status, 'stopped');
    assert.ok(r.json.guard?.reason, 'the guard says why');
    assert.equal(assetsWrites(w.assets, from).delete, 0);
  });

  test('within the threshold, delete removes exactly the leavers', async () => {
    const file = await mappingFile(dir, 'ignore.map', `${base}config:missing=delete\nconfig:maxDeletions=10\n`);
    const before = objectsByKey(w.assets, 'User').size;
    const from = w.assets.requests.length;
    const r = await tributary(['sync', file, '--json'], w.env);
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(0, 1000));
    const writes = assetsWrites(w.assets, from);
    assert.equal(writes.delete, 5);
    assert.equal(objectsByKey(w.assets, 'User').size, before - 5);
  });

  test('an empty source never deletes or marks', async () => {
    const file = await mappingFile(dir, 'empty.map',
      `${base}config:filter=department:$eq:No Such Department\nconfig:missing=delete\nconfig:maxDeletions=100%\n`);
    const from = w.assets.requests.length;
    const r = await tributary(['sync', file, '--json'], w.env);
    assert.equal(r.code, 1, r.stdout.slice(0, 1000));
    assert.equal(r.json.status, 'stopped');
    assert.equal(assetsWrites(w.assets, from).delete, 0);
  });

  test('records written without a value make the run partial (exit 1), in the headline too', async () => {
    // A user name is nobody's key: every Manager reference finds nothing.
    const file = await mappingFile(dir, 'partial.map', `${base}map:username=Manager|byKey\n`);
    const r = await tributary(['sync', file, '--json'], w.env);
    assert.equal(r.code, 1, r.stdout.slice(0, 1000));
    assert.equal(r.json.status, 'partial');
    assert.equal(r.json.counts.failed, 0);
    assert.ok(r.json.counts.incomplete > 0, JSON.stringify(r.json.counts));
    assert.ok(r.json.errors.some((e) => e.attribute === 'Manager' && e.level === 'error'));
    const text = await tributary(['sync', file], w.env);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /: partial \(\d+ written without some values\) in /);
  });
});

describe('devices linked to their owners', () => {
  let w;
  before(async () => {
    w = await world({ users: 30, seed: 5 });
  });
  after(async () => w?.close());

  test('users then devices: each device references its owner; a hand-over moves it', async () => {
    assert.equal((await tributary(['sync', USERS, '--json'], w.env)).code, 0);
    const r = await tributary(['sync', `${examples}devices.map`, '--json'], w.env);
    assert.equal(r.code, 0, r.stderr + JSON.stringify(r.json?.errors?.slice(0, 3)));
    const users = objectsByKey(w.assets, 'User');
    const devices = objectsByKey(w.assets, 'Device');
    assert.equal(devices.size, w.tenant.systems.length);
    const owned = w.tenant.systems.find((s) => s.primarySystemUser?.id);
    assert.deepEqual(valuesOf(w.assets, devices.get(owned._id), 'Owner'), [users.get(owned.primarySystemUser.id).id]);
    const newOwner = w.tenant.users.find((u) => u._id !== owned.primarySystemUser.id);
    w.tenant.handOver(owned._id, newOwner._id);
    const from = w.assets.requests.length;
    assert.equal((await tributary(['sync', `${examples}devices.map`, '--json'], w.env)).code, 0);
    assert.deepEqual(assetsWrites(w.assets, from), { create: 0, update: 1, delete: 0 });
    assert.deepEqual(valuesOf(w.assets, objectsByKey(w.assets, 'Device').get(owned._id), 'Owner'), [users.get(newOwner._id).id]);
  });
});

describe('faults: 429 storms, 5xx and dropped connections', () => {
  let w;
  before(async () => {
    w = await world({
      users: 50, seed: 9,
      assetsFaults: { seed: 42, rules: [
        { route: 'POST /object/create', kind: '429', every: 4, retryAfter: 1 },
        { route: 'POST /object/aql', kind: '502', every: 3 },
        { route: 'POST /object/create', kind: 'drop', every: 11 },
      ] },
      jumpCloudFaults: { seed: 7, rules: [{ route: 'GET /api/systemusers', kind: '503', every: 2 }] },
    });
  });
  after(async () => w?.close());

  test('the final state equals the expected state, no duplicates, nothing lost', async () => {
    const r = await tributary(['sync', USERS, '--json'], w.env);
    assert.equal(r.code, 0, r.stderr + JSON.stringify(r.json?.errors?.slice(0, 5)));
    assert.ok(r.json.apiCalls.retries > 0, 'the faults were met and retried');
    // A dropped create may have been applied before the connection dropped: a second run
    // must converge without duplicates.
    await tributary(['sync', USERS, '--json'], w.env);
    const objects = objectsByKey(w.assets, 'User');
    assert.equal(objects.size, w.tenant.users.length);
    const userType = [...w.assets.state.objectTypes.values()].find((t) => t.name === 'User');
    assert.equal([...w.assets.state.objects.values()].filter((o) => o.objectTypeId === userType.id).length, w.tenant.users.length);
  });
});

describe('two CLI runs of one import at once', () => {
  let w;
  before(async () => {
    // Latency so the two runs overlap for seconds, not milliseconds.
    w = await world({ users: 40, seed: 21, assetsFaults: { seed: 2, rules: [{ route: '*', kind: 'latency', delayMs: 150 }] } });
  });
  after(async () => w?.close());

  test('exactly one writes; the other is busy (exit 1); every user exists once', async () => {
    // The second starts once the first holds the lease (two processes started together may
    // not overlap at all on a loaded machine: the first can be done before the second is up).
    const lease = join(w.env.TRIBUTARY_STATE_DIR, 'store', encodeURIComponent('tributary:lease:users'));
    const first = tributary(['sync', USERS, '--json'], w.env);
    for (let i = 0; i < 3000 && !existsSync(lease); i += 1) await new Promise((r) => setTimeout(r, 10));
    const [a, b] = await Promise.all([first, tributary(['sync', USERS, '--json'], w.env)]);
    const statuses = [a.json?.status, b.json?.status].sort();
    assert.deepEqual(statuses, ['busy', 'succeeded'], a.stderr + b.stderr);
    const busy = a.json.status === 'busy' ? a : b;
    assert.equal(busy.code, 1);
    assert.equal(busy.json.counts.created, 0);
    assert.match(busy.json.message, /another run of import users is in progress/);
    const users = objectsByKey(w.assets, 'User');
    assert.equal(users.size, w.tenant.users.length, 'no user created twice, none missing');
    const creates = w.assets.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/object/create')).length;
    assert.equal(creates, w.tenant.users.length, 'one create per user');
  });

  test('a run killed mid-way does not keep the import busy: the next run takes over at once', async () => {
    w.tenant.hire({ firstname: 'Late', lastname: 'Hire' });
    // Killed once it holds the lease (not after a fixed time: a loaded machine may not have
    // taken it yet, and then there is nothing to take over).
    const lease = join(w.env.TRIBUTARY_STATE_DIR, 'store', encodeURIComponent('tributary:lease:users'));
    const killed = await tributary(['sync', USERS, '--json'], w.env, {
      onStart: (child) => {
        const poll = setInterval(() => {
          if (!existsSync(lease)) return;
          clearInterval(poll);
          setTimeout(() => child.kill('SIGKILL'), 100);
        }, 20);
        child.on('close', () => clearInterval(poll));
      },
    });
    assert.equal(killed.signal, 'SIGKILL');
    const next = await tributary(['sync', USERS, '--json'], w.env);
    assert.equal(next.json?.status, 'succeeded', next.stderr + next.stdout.slice(0, 500));
    assert.match(next.stderr, /tributary:lease:users was held by process \d+, which no longer runs; taking it over/);
    assert.equal(objectsByKey(w.assets, 'User').size, w.tenant.users.length);
  });
});
