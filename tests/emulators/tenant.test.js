import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTenant, jiraUsersFromTenant } from '../../dev/emulators/tenant.js';
import { jumpCloud } from './helpers.js';

test('same seed, same tenant; another seed, another tenant', () => {
  const a = createTenant({ seed: 42, users: 60 }).snapshot();
  const b = createTenant({ seed: 42, users: 60 }).snapshot();
  const c = createTenant({ seed: 43, users: 60 }).snapshot();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.users.map((u) => u.displayname), c.users.map((u) => u.displayname));
});

test('users look like JumpCloud systemusers', () => {
  const tenant = createTenant({ seed: 5, users: 300 });
  const ids = new Set();
  for (const user of tenant.users) {
    assert.match(user._id, /^[0-9a-f]{24}$/);
    assert.ok(!ids.has(user._id));
    ids.add(user._id);
    assert.ok(['ACTIVATED', 'SUSPENDED', 'STAGED'].includes(user.state));
    assert.equal(user.suspended, user.state === 'SUSPENDED');
    assert.equal(user.activated, user.state !== 'STAGED');
    assert.match(user.email, /^[a-z0-9.]+@example\.test$/);
    assert.ok(user.phoneNumbers.length >= 1 && user.addresses.length === 1);
    assert.ok(user.attributes.every((a) => typeof a.name === 'string' && typeof a.value === 'string'));
    if (user.manager) assert.ok(tenant.user(user.manager), 'manager is an existing user id');
  }
  const states = new Set(tenant.users.map((u) => u.state));
  assert.deepEqual([...states].sort(), ['ACTIVATED', 'STAGED', 'SUSPENDED']);
  const names = tenant.users.map((u) => `${u.firstname} ${u.lastname}`).join('\n');
  assert.match(names, /'/, 'a name with an apostrophe');
  assert.match(names, /"/, 'a name with double quotes');
  assert.match(names, /[^\x00-\x7f]/, 'non-ASCII names');
  assert.equal(new Set(tenant.users.map((u) => u.username)).size, tenant.users.length, 'usernames are unique');
  // ids sort in creation order, so sort=_id pages are stable
  assert.deepEqual(tenant.users.map((u) => u._id), [...tenant.users.map((u) => u._id)].sort());
});

test('manager hierarchy has a root and a two-person cycle', () => {
  const tenant = createTenant({ seed: 5, users: 30 });
  assert.equal(tenant.users[0].manager, undefined);
  assert.equal(tenant.users[0].jobTitle, 'Chief Executive Officer');
  // Every chain from a non-cycle user reaches the root without revisiting anyone.
  for (const start of tenant.users.slice(0, -2)) {
    const seen = new Set();
    for (let u = start; u.manager; u = tenant.user(u.manager)) {
      assert.ok(!seen.has(u._id), 'no cycle outside the deliberate one');
      seen.add(u._id);
    }
  }
  const [x, y] = tenant.users.slice(-2);
  assert.equal(x.manager, y._id);
  assert.equal(y.manager, x._id);
});

test('devices have primarySystemUser, groups have members, insights match devices', () => {
  const tenant = createTenant({ seed: 5, users: 30 });
  const owned = tenant.systems.filter((s) => s.primarySystemUser);
  assert.ok(owned.length >= 20 && owned.every((s) => tenant.user(s.primarySystemUser.id)));
  assert.ok(tenant.systems.some((s) => s.primarySystemUser === null), 'spare devices');
  assert.ok(tenant.userGroups.some((g) => g.members.length > 0) && tenant.userGroups.some((g) => g.members.length === 0));
  assert.ok(tenant.systemGroups.every((g) => g.members.every((m) => tenant.system(m))));
  assert.ok(tenant.systems.every((s) => s.insights.system_id === s._id && s.insights.hardware_serial === s.serialNumber));
  assert.equal(JSON.stringify(tenant.systems[0]).includes('cpu_brand'), false, 'insights are not part of the v1 system');
});

test('control operations: rename, promote, leave, hire, hand over, group changes', () => {
  const tenant = createTenant({ seed: 9, users: 20 });
  const [boss, worker, other] = tenant.users.slice(1, 4);
  assert.equal(tenant.rename(worker._id, { lastname: "O'Neill" }).displayname, `${worker.firstname} O'Neill`);
  const promoted = tenant.promote(worker._id, { jobTitle: 'Director', managerId: boss._id });
  assert.equal(promoted.jobTitle, 'Director');
  assert.equal(promoted.manager, boss._id);
  assert.throws(() => tenant.promote(worker._id, { managerId: 'f'.repeat(24) }), /no user/);

  assert.equal(tenant.leave(other._id).state, 'SUSPENDED');
  const laptop = tenant.systems.find((s) => s.primarySystemUser?.id === worker._id);
  assert.equal(tenant.handOver(laptop._id, boss._id).primarySystemUser.id, boss._id);
  tenant.leave(boss._id, { mode: 'delete' });
  assert.equal(tenant.user(boss._id), undefined);
  assert.equal(tenant.system(laptop._id).primarySystemUser, null, 'a deleted user leaves no primary device');
  assert.ok(tenant.userGroups.every((g) => !g.members.includes(boss._id)));

  const hire = tenant.hire({ firstname: 'Nuño', lastname: 'Ünal', department: 'IT', manager: worker._id });
  assert.equal(tenant.user(hire._id).manager, worker._id);
  assert.ok(tenant.userGroups.find((g) => g.name === 'IT').members.includes(hire._id));
  assert.ok(hire._id > tenant.users[tenant.users.length - 2]._id, 'new ids sort last');

  const group = tenant.userGroups.find((g) => g.name === 'Empty Group');
  tenant.addToGroup(group.id, hire._id);
  assert.deepEqual(group.members, [hire._id]);
  tenant.removeFromGroup(group.id, hire._id);
  assert.deepEqual(group.members, []);
});

test('control API over HTTP changes what the JumpCloud API answers', async () => {
  const jc = await jumpCloud();
  try {
    const user = jc.tenant.users[5];
    const post = (op, body) => fetch(`${jc.url}/__control/${op}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await post('rename', { userId: user._id, firstname: 'Zoë' })).status, 200);
    const after = await jc.call(`/api/systemusers/${user._id}?fields=firstname displayname`);
    assert.equal(after.body.firstname, 'Zoë');
    const hired = await (await post('hire', { fields: { firstname: 'New', lastname: 'Person' } })).json();
    assert.equal((await jc.call(`/api/systemusers/${hired._id}`)).status, 200);
    const bad = await post('leave', { userId: 'nobody' });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).message, /no user/);
    assert.equal((await post('teleport', {})).status, 400);
    const state = await (await fetch(`${jc.url}/__control/state`)).json();
    assert.equal(state.users.length, 41);
    assert.equal(jc.control.leave(hired._id, { mode: 'delete' }).deleted, true);
    assert.equal((await jc.call(`/api/systemusers/${hired._id}`)).status, 404);
    assert.deepEqual(jc.violations, [], 'control calls are not API traffic');
  } finally {
    await jc.close();
  }
});

test('Jira accounts for a tenant hide some emails and skip staged users', () => {
  const tenant = createTenant({ seed: 3, users: 50 });
  const accounts = jiraUsersFromTenant(tenant);
  assert.equal(accounts.length, tenant.users.filter((u) => u.state !== 'STAGED').length);
  assert.ok(accounts.some((a) => a.hideEmail) && accounts.some((a) => !a.hideEmail));
  assert.deepEqual(accounts, jiraUsersFromTenant(createTenant({ seed: 3, users: 50 })));
});

test('application assignments and multi-row insights are deterministic, per platform, and follow leavers', () => {
  const a = createTenant({ seed: 42, users: 60 });
  const b = createTenant({ seed: 42, users: 60 });
  for (const table of ['apps', 'programs', 'disk_encryption', 'bitlocker_info', 'uptime', 'battery']) {
    assert.deepEqual(a.insightsRows(table), b.insightsRows(table), table);
  }
  assert.deepEqual(a.snapshot().appUserBindings, b.snapshot().appUserBindings);
  const family = (row) => a.system(row.system_id).osFamily;
  assert.ok(a.insightsRows('apps').length > 0 && a.insightsRows('apps').every((r) => family(r) === 'darwin'));
  assert.ok(a.insightsRows('programs').every((r) => family(r) === 'windows'));
  assert.ok(a.insightsRows('bitlocker_info').every((r) => family(r) === 'windows'));
  assert.ok(a.insightsRows('disk_encryption').every((r) => family(r) !== 'windows'));
  assert.equal(a.insightsRows('uptime').length, a.systems.length);
  // Every app is assigned to someone, directly or through a group, except where the rules say none.
  const edge = (id, type) => ({ to: { id, type } });
  for (const app of a.applications) {
    const users = a.usersOfApplication(app._id, edge);
    assert.ok(users.length > 0, app.name);
    assert.ok(users.every((u) => a.user(u.id)));
  }
  // A deleted user is assigned nothing any more.
  const atlassian = a.applications.find((x) => x.name === 'atlassian');
  const direct = a.users[5];
  assert.ok(a.usersOfApplication(atlassian._id, edge).some((u) => u.id === direct._id));
  a.leave(direct._id, { mode: 'delete' });
  assert.ok(!a.usersOfApplication(atlassian._id, edge).some((u) => u.id === direct._id));
  assert.ok(!a.snapshot().appUserBindings.some((binding) => binding.endsWith(direct._id)));
});
