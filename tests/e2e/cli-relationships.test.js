// The linked CMDB from an empty object schema: `setup-schema` on the example mappings, then
// `sync` of each in reference order (users with managers, device groups, devices with owners,
// bound users and device groups, groups with members, applications with their users and user
// groups, users' devices and applications, installed software, disk encryption and batteries
// from System Insights), asserted object by object; a second run writes nothing; every
// JumpCloud call is the one docs/relationships.md counts; then changes in the directory (a
// hand-over, an uninstalled app, a device without rows, a row of a device that is gone, a device
// removed mid-read, a key refused the graph) land as they should.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { HttpError } from '../../dev/emulators/http.js';
import { assetsWrites, objectsByKey, tributary, valuesOf, world } from './helpers.js';

const examples = fileURLToPath(new URL('../../examples/', import.meta.url));
/** Reference order: every import after the imports whose objects it points at. */
const ORDER = [
  'users.map', 'device-groups.map', 'devices-linked.map', 'groups-with-members.map', 'applications.map',
  'users-access.map', 'groups-access.map', 'software-macos.map', 'software-windows.map', 'disk-encryption.map', 'bitlocker.map', 'battery.map',
];
const map = (name) => `${examples}${name}`;

/** Calls of a v2 list read to its end without a total: a short page ends it (⌊n/100⌋ + 1). */
const graphPages = (n) => Math.floor(n / 100) + 1;
/** Calls of an import's own list, which stops at the total JumpCloud reports (at least 1). */
const listPages = (n, size) => Math.max(1, Math.ceil(n / size));

/**
 * What the tenant says each relation holds, worked out from its bindings (not from the routes
 * the engine reads): users bound to a system directly or through user group ↔ system group
 * bindings; users assigned an application directly or through their user groups.
 */
function relationsOf(tenant) {
  const snapshot = tenant.snapshot();
  const pairs = (list) => list.map((b) => b.split(' '));
  const systemGroupsOf = (systemId) => tenant.systemGroups.filter((g) => g.members.includes(systemId));
  const boundUsers = new Map(tenant.systems.map((s) => {
    const users = new Set(pairs(snapshot.userSystemBindings).filter(([, sys]) => sys === s._id).map(([u]) => u));
    for (const sg of systemGroupsOf(s._id)) {
      for (const [ug, boundSg] of pairs(snapshot.groupBindings)) {
        if (boundSg === sg.id) for (const member of tenant.group(ug).members) users.add(member);
      }
    }
    return [s._id, users];
  }));
  const appGroups = new Map(tenant.applications.map((a) => [a._id, pairs(snapshot.appGroupBindings).filter(([app]) => app === a._id).map(([, g]) => g)]));
  const appUsers = new Map(tenant.applications.map((a) => {
    const users = new Set(pairs(snapshot.appUserBindings).filter(([app]) => app === a._id).map(([, u]) => u));
    for (const g of appGroups.get(a._id)) for (const member of tenant.group(g).members) users.add(member);
    return [a._id, users];
  }));
  return { boundUsers, appGroups, appUsers, systemGroupsOf };
}

/** The JumpCloud calls docs/relationships.md gives for each example import, by route. */
function expectedCalls(tenant) {
  const { boundUsers, appGroups, appUsers } = relationsOf(tenant);
  const U = tenant.users.length;
  const D = tenant.systems.length;
  const A = tenant.applications.length;
  const UG = tenant.userGroups.length;
  const SG = tenant.systemGroups.length;
  const sum = (values) => values.reduce((a, b) => a + b, 0);
  const perDevice = sum([...boundUsers.values()].map((users) => graphPages(users.size)));
  const perAppUsers = sum([...appUsers.values()].map((users) => graphPages(users.size)));
  const perAppGroups = sum([...appGroups.values()].map((groups) => graphPages(groups.length)));
  const rows = (table) => tenant.insightsRows(table).length;
  return {
    'users.map': { 'GET /api/systemusers': listPages(U, 100) },
    'device-groups.map': { 'GET /api/v2/systemgroups': listPages(SG, 100) },
    'devices-linked.map': {
      'GET /api/systems': listPages(D, 100) ,
      // memberof: the device groups' ids, then each group's members.
      'GET /api/v2/systemgroups': graphPages(SG),
      'GET /api/v2/systemgroups/{group_id}/members': sum(tenant.systemGroups.map((g) => graphPages(g.members.length))),
      // boundUsers: one traversal per device.
      'GET /api/v2/systems/{system_id}/users': perDevice,
    },
    'groups-with-members.map': {
      'GET /api/v2/usergroups': listPages(UG, 100),
      'GET /api/v2/usergroups/{group_id}/members': sum(tenant.userGroups.map((g) => graphPages(g.members.length))),
    },
    'applications.map': {
      'GET /api/applications': listPages(A, 100),
      'GET /api/v2/applications/{application_id}/users': perAppUsers,
      'GET /api/v2/applications/{application_id}/usergroups': perAppGroups,
    },
    'users-access.map': {
      'GET /api/systemusers': listPages(U, 100),
      // devices: every device's id, then one traversal per device, inverted.
      'GET /api/systems': graphPages(D),
      'GET /api/v2/systems/{system_id}/users': perDevice,
      // applications: every application's id, then its users, inverted.
      'GET /api/applications': graphPages(A),
      'GET /api/v2/applications/{application_id}/users': perAppUsers,
    },
    'groups-access.map': {
      'GET /api/v2/usergroups': listPages(UG, 100),
      // applications: every application's id, then its user groups, inverted.
      'GET /api/applications': graphPages(A),
      'GET /api/v2/applications/{application_id}/usergroups': perAppGroups,
    },
    'software-macos.map': { 'GET /api/v2/systeminsights/apps': listPages(rows('apps'), 1000) },
    'software-windows.map': { 'GET /api/v2/systeminsights/programs': listPages(rows('programs'), 1000) },
    'disk-encryption.map': { 'GET /api/v2/systeminsights/disk_encryption': listPages(rows('disk_encryption'), 1000) },
    'bitlocker.map': { 'GET /api/v2/systeminsights/bitlocker_info': listPages(rows('bitlocker_info'), 1000) },
    'battery.map': { 'GET /api/v2/systeminsights/battery': listPages(rows('battery'), 1000) },
  };
}

/** The JumpCloud requests since `from`, counted by route. */
function callsSince(jumpCloud, from) {
  const counts = {};
  for (const r of jumpCloud.requests.slice(from)) counts[r.route] = (counts[r.route] ?? 0) + 1;
  return counts;
}

/** Runs one example import; resolves to its JSON report, the calls it made and its writes. */
async function sync(w, name) {
  const jc = w.jumpCloud.requests.length;
  const assets = w.assets.requests.length;
  const r = await tributary(['sync', map(name), '--json'], w.env);
  return { ...r, calls: callsSince(w.jumpCloud, jc), writes: assetsWrites(w.assets, assets) };
}

const sorted = (values) => [...values].sort();

describe('the example imports from an empty object schema, all linked', () => {
  let w;
  let users;
  before(async () => {
    w = await world({ users: 40, seed: 5, schemas: 'empty' });
    w.assets.state.createSchema({ name: 'People', objectSchemaKey: 'PPL' });
  });
  after(async () => w?.close());

  test('setup-schema creates every type, and the relations as multi-valued references to the right types', async () => {
    const r = await tributary(['setup-schema', ...ORDER.map(map), '--json'], w.env);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(r.json.problems, []);
    const types = new Map([...w.assets.state.objectTypes.values()].map((t) => [t.name, t]));
    assert.deepEqual(sorted(types.keys()), sorted(['User', 'Device Group', 'Device', 'Group', 'Application', 'Installed App', 'Installed Program', 'Disk Encryption', 'BitLocker Volume', 'Battery']));
    const attribute = (type, name) => w.assets.state.attributesOf(types.get(type).id).find((a) => a.name === name);
    for (const [type, name, target, many] of [
      ['Device', 'Owner', 'User', false],
      ['Device', 'Bound Users', 'User', true],
      ['Device', 'Device Groups', 'Device Group', true],
      ['Group', 'Members', 'User', true],
      ['Application', 'Users', 'User', true],
      ['Application', 'User Groups', 'Group', true],
      ['User', 'Devices', 'Device', true],
      ['User', 'Applications', 'Application', true],
      ['Group', 'Applications', 'Application', true],
      ['Installed App', 'Device', 'Device', false],
      ['Installed Program', 'Device', 'Device', false],
      ['Disk Encryption', 'Device', 'Device', false],
      ['BitLocker Volume', 'Device', 'Device', false],
      ['Battery', 'Device', 'Device', false],
    ]) {
      const a = attribute(type, name);
      assert.ok(a, `${type}.${name}`);
      assert.equal(a.type, 1, `${type}.${name} is a reference`);
      assert.equal(a.typeValue, types.get(target).id, `${type}.${name} → ${target}`);
      assert.equal(a.maximumCardinality, many ? -1 : 1, `${type}.${name} cardinality`);
    }
    assert.equal(attribute('Installed App', 'Install Key').uniqueAttribute, true);
  });

  test('each import in reference order: exit 0, nothing failed, exactly the documented JumpCloud calls', async () => {
    const expected = expectedCalls(w.jumpCloud.tenant);
    for (const name of ORDER) {
      const r = await sync(w, name);
      assert.equal(r.code, 0, `${name}: ${r.stderr}${JSON.stringify(r.json?.errors?.slice(0, 3))}`);
      assert.equal(r.json.counts.failed, 0, name);
      assert.ok(r.writes.create > 0 || name.endsWith('-access.map'), `${name} created its objects`);
      assert.deepEqual(r.calls, expected[name], `${name}: JumpCloud calls by route`);
    }
    users = objectsByKey(w.assets, 'User');
  });

  test('users with managers; devices with owner, every bound user and their device groups', () => {
    const tenant = w.jumpCloud.tenant;
    const { boundUsers, systemGroupsOf } = relationsOf(tenant);
    assert.equal(users.size, tenant.users.length);
    for (const person of tenant.users) {
      const expected = person.manager ? [users.get(person.manager).id] : [];
      assert.deepEqual(valuesOf(w.assets, users.get(person._id), 'Manager'), expected, person._id);
    }
    const devices = objectsByKey(w.assets, 'Device');
    const deviceGroups = objectsByKey(w.assets, 'Device Group');
    assert.equal(devices.size, tenant.systems.length);
    let shared = 0;
    for (const system of tenant.systems) {
      const object = devices.get(system._id);
      const owner = system.primarySystemUser?.id;
      assert.deepEqual(valuesOf(w.assets, object, 'Owner'), owner ? [users.get(owner).id] : []);
      const bound = [...boundUsers.get(system._id)].map((id) => users.get(id).id);
      assert.deepEqual(sorted(valuesOf(w.assets, object, 'Bound Users')), sorted(bound), system.hostname);
      if (bound.length > 1) shared += 1;
      assert.deepEqual(
        sorted(valuesOf(w.assets, object, 'Device Groups')),
        sorted(systemGroupsOf(system._id).map((g) => deviceGroups.get(g.id).id)),
      );
    }
    assert.ok(shared > 0, 'some devices have users bound through groups, not only the owner');
  });

  test('groups with members and applications; applications with users and user groups; users with devices and applications', () => {
    const tenant = w.jumpCloud.tenant;
    const { boundUsers, appGroups, appUsers } = relationsOf(tenant);
    const groups = objectsByKey(w.assets, 'Group');
    for (const group of tenant.userGroups) {
      assert.deepEqual(sorted(valuesOf(w.assets, groups.get(group.id), 'Members')), sorted(group.members.map((m) => users.get(m).id)), group.name);
    }
    assert.deepEqual(valuesOf(w.assets, groups.get(tenant.userGroups.find((g) => g.name === 'Empty Group').id), 'Members'), []);
    const apps = objectsByKey(w.assets, 'Application');
    assert.equal(apps.size, tenant.applications.length);
    for (const app of tenant.applications) {
      const object = apps.get(app._id);
      assert.deepEqual(sorted(valuesOf(w.assets, object, 'Users')), sorted([...appUsers.get(app._id)].map((u) => users.get(u).id)), app.name);
      assert.deepEqual(sorted(valuesOf(w.assets, object, 'User Groups')), sorted(appGroups.get(app._id).map((g) => groups.get(g).id)), app.name);
    }
    for (const group of tenant.userGroups) {
      const theirApps = tenant.applications.filter((a) => appGroups.get(a._id).includes(group.id)).map((a) => apps.get(a._id).id);
      assert.deepEqual(sorted(valuesOf(w.assets, groups.get(group.id), 'Applications')), sorted(theirApps), group.name);
    }
    const devices = objectsByKey(w.assets, 'Device');
    for (const person of tenant.users) {
      const object = users.get(person._id);
      const theirDevices = tenant.systems.filter((s) => boundUsers.get(s._id).has(person._id)).map((s) => devices.get(s._id).id);
      assert.deepEqual(sorted(valuesOf(w.assets, object, 'Devices')), sorted(theirDevices), person.username);
      const theirApps = tenant.applications.filter((a) => appUsers.get(a._id).has(person._id)).map((a) => apps.get(a._id).id);
      assert.deepEqual(sorted(valuesOf(w.assets, object, 'Applications')), sorted(theirApps), person.username);
    }
  });

  test('installed software, disk encryption and batteries: one object per device and row, linked to the device', () => {
    const tenant = w.jumpCloud.tenant;
    const devices = objectsByKey(w.assets, 'Device');
    for (const [type, table, keyOf, version] of [
      ['Installed App', 'apps', (r) => `${r.system_id}:${r.path}`, 'bundle_short_version'],
      ['Installed Program', 'programs', (r) => `${r.system_id}:${r.name}:${r.version}`, 'version'],
    ]) {
      const objects = objectsByKey(w.assets, type, 'Install Key');
      const rows = tenant.insightsRows(table);
      assert.equal(objects.size, rows.length, type);
      for (const row of rows) {
        const object = objects.get(keyOf(row));
        assert.ok(object, `${type} ${keyOf(row)}`);
        assert.deepEqual(valuesOf(w.assets, object, 'Device'), [devices.get(row.system_id).id]);
        assert.deepEqual(valuesOf(w.assets, object, 'Version'), [row[version]]);
      }
    }
    const volumes = objectsByKey(w.assets, 'Disk Encryption', 'Volume Key');
    const rows = tenant.insightsRows('disk_encryption');
    assert.equal(volumes.size, rows.length);
    for (const row of rows) {
      const object = volumes.get(`${row.system_id}:${row.name}`);
      assert.deepEqual(valuesOf(w.assets, object, 'Device'), [devices.get(row.system_id).id]);
      assert.deepEqual(valuesOf(w.assets, object, 'Encrypted'), [row.encrypted === 1 ? 'true' : 'false']);
    }
    const drives = objectsByKey(w.assets, 'BitLocker Volume', 'Volume Key');
    const bitlocker = tenant.insightsRows('bitlocker_info');
    assert.ok(bitlocker.length > 0 && drives.size === bitlocker.length);
    for (const row of bitlocker) {
      const object = drives.get(`${row.system_id}:${row.drive_letter}`);
      assert.deepEqual(valuesOf(w.assets, object, 'Device'), [devices.get(row.system_id).id]);
      assert.deepEqual(valuesOf(w.assets, object, 'Protected'), [row.protection_status === 1 ? 'true' : 'false']);
    }
    // Batteries: only the devices that report one (the spares do not), each with its numbers.
    const batteries = objectsByKey(w.assets, 'Battery', 'Battery Key');
    const withBattery = tenant.systems.filter((s) => s.insightsTables.battery.length > 0);
    assert.ok(withBattery.length < tenant.systems.length, 'some devices have no battery');
    assert.deepEqual(sorted(batteries.keys()), sorted(withBattery.map((s) => s._id)));
    for (const system of withBattery) {
      const [row] = system.insightsTables.battery;
      const object = batteries.get(system._id);
      assert.deepEqual(valuesOf(w.assets, object, 'Device'), [devices.get(system._id).id]);
      assert.deepEqual(valuesOf(w.assets, object, 'Cycle Count'), [String(row.cycle_count)]);
      assert.deepEqual(valuesOf(w.assets, object, 'Health'), [row.health]);
    }
  });

  test('a second run writes nothing and makes the same calls', async () => {
    const expected = expectedCalls(w.jumpCloud.tenant);
    for (const name of ORDER) {
      const r = await sync(w, name);
      assert.equal(r.code, 0, name);
      assert.deepEqual(r.writes, { create: 0, update: 0, delete: 0 }, name);
      assert.equal(r.json.counts.unchanged, r.json.counts.source, name);
      assert.deepEqual(r.calls, expected[name], name);
    }
  });

  test('small pages split one device\'s rows across page boundaries: each row is read once (system_id + path tell them apart)', async () => {
    const { mkdtemp, readFile, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(`${tmpdir()}/tributary-rel-`);
    try {
      const file = `${dir}/software-small-pages.map`;
      await writeFile(file, `${await readFile(map('software-macos.map'), 'utf8')}config:pageSize=7\n`);
      const rows = w.jumpCloud.tenant.insightsRows('apps');
      const from = w.jumpCloud.requests.length;
      const r = await tributary(['sync', file, '--json'], w.env);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual([r.json.counts.source, r.json.counts.unchanged, r.json.counts.created], [rows.length, rows.length, 0]);
      const pages = w.jumpCloud.requests.slice(from).map((q) => new URLSearchParams(q.query));
      assert.ok(pages.length > rows.length / 7, 'several pages');
      assert.ok(pages.every((q) => q.get('sort') === 'system_id,path' && q.get('limit') === '7'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('directory changes: a hand-over, an uninstalled app, a wiped device, a row of a device that is gone', async () => {
    const tenant = w.jumpCloud.tenant;
    const mac = tenant.systems.find((s) => s.osFamily === 'darwin' && s.primarySystemUser && s.insightsTables.apps.length > 3);
    const wiped = tenant.systems.find((s) => s.osFamily === 'darwin' && s !== mac && s.insightsTables.apps.length > 0);
    const newOwner = tenant.users.find((u) => u._id !== mac.primarySystemUser.id && u.state === 'ACTIVATED');
    tenant.handOver(mac._id, newOwner._id);
    const uninstalled = mac.insightsTables.apps.pop();
    const wipedRows = wiped.insightsTables.apps.length;
    wiped.insightsTables.apps = [];
    // JumpCloud removed the device, but one of its rows is still listed.
    const ghost = { ...uninstalled, system_id: 'f'.repeat(24), path: '/Applications/Ghost.app' };
    mac.insightsTables.apps.push(ghost);

    const devices = await sync(w, 'devices-linked.map');
    assert.equal(devices.code, 0);
    assert.deepEqual(devices.writes, { create: 0, update: 1, delete: 0 }, 'only the handed-over device');
    const device = objectsByKey(w.assets, 'Device').get(mac._id);
    assert.deepEqual(valuesOf(w.assets, device, 'Owner'), [users.get(newOwner._id).id]);
    const bound = valuesOf(w.assets, device, 'Bound Users');
    assert.ok(bound.includes(users.get(newOwner._id).id));
    assert.deepEqual(sorted(bound), sorted([...relationsOf(tenant).boundUsers.get(mac._id)].map((id) => users.get(id).id)));

    const before = objectsByKey(w.assets, 'Installed App', 'Install Key').size;
    const apps = await sync(w, 'software-macos.map');
    // The ghost row's Device is not found: written without it and reported (partial, exit 1).
    assert.equal(apps.code, 1, apps.stderr);
    assert.equal(apps.json.status, 'partial');
    assert.deepEqual([apps.json.counts.incomplete, apps.json.counts.failed], [1, 0]);
    assert.equal(apps.json.errors.length, 1);
    assert.equal(apps.json.errors[0].attribute, 'Device');
    assert.match(apps.json.errors[0].message, new RegExp(`JumpCloud ID = "${ghost.system_id}"`));
    assert.deepEqual(apps.writes, { create: 1, update: 0, delete: 1 + wipedRows });
    const after = objectsByKey(w.assets, 'Installed App', 'Install Key');
    assert.equal(after.size, before + 1 - 1 - wipedRows);
    assert.equal(after.get(`${mac._id}:${uninstalled.path}`), undefined, 'the uninstalled app is gone');
    assert.ok(![...after.keys()].some((k) => k.startsWith(`${wiped._id}:`)), 'a device without rows keeps no software');
    assert.deepEqual(valuesOf(w.assets, after.get(`${ghost.system_id}:${ghost.path}`), 'Device'), []);

    // Once JumpCloud stops listing the row, its object goes too, and the run is clean again.
    mac.insightsTables.apps.pop();
    const clean = await sync(w, 'software-macos.map');
    assert.equal(clean.code, 0, clean.stderr);
    assert.deepEqual(clean.writes, { create: 0, update: 0, delete: 1 });
    assert.equal(objectsByKey(w.assets, 'Installed App', 'Install Key').get(`${ghost.system_id}:${ghost.path}`), undefined);
  });
});

describe('relations when JumpCloud changes under the read or refuses the graph', () => {
  let w;
  before(async () => {
    w = await world({ users: 12, seed: 9, schemas: 'empty' });
    w.assets.state.createSchema({ name: 'People', objectSchemaKey: 'PPL' });
    const maps = ['users.map', 'device-groups.map', 'devices-linked.map'].map(map);
    assert.equal((await tributary(['setup-schema', ...maps], w.env)).code, 0);
    for (const m of maps.slice(0, 2)) assert.equal((await tributary(['sync', m], w.env)).code, 0);
  });
  after(async () => w?.close());

  test('a sample shows the relation fields its mapping reads, as a run sees them', async () => {
    const r = await tributary(['sample', map('devices-linked.map'), '--limit', '2', '--json'], w.env);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.json.fields.includes('boundUsers') && r.json.fields.includes('memberof'));
    const { boundUsers, systemGroupsOf } = relationsOf(w.jumpCloud.tenant);
    for (const record of r.json.records) {
      assert.deepEqual(sorted(record.boundUsers), sorted(boundUsers.get(record._id)));
      assert.deepEqual(sorted(record.memberof), sorted(systemGroupsOf(record._id).map((g) => g.id)));
    }
    const plain = await tributary(['sample', map('device-groups.map'), '--json'], w.env);
    assert.ok(!plain.json.fields.includes('members'), 'a relation the mapping does not read is not fetched');
  });

  test('a device removed after it was listed (its graph route says 404) is written without bound users; the run succeeds', async () => {
    const tenant = w.jumpCloud.tenant;
    const gone = tenant.systems.find((s) => s.primarySystemUser);
    const lookup = tenant.system.bind(tenant);
    // Still in the list, but its own routes no longer find it.
    tenant.system = (id) => (id === gone._id ? undefined : lookup(id));
    try {
      const r = await sync(w, 'devices-linked.map');
      assert.equal(r.code, 0, r.stderr + JSON.stringify(r.json?.errors));
      assert.equal(r.json.counts.failed, 0);
      const devices = objectsByKey(w.assets, 'Device');
      assert.equal(devices.size, tenant.systems.length);
      assert.deepEqual(valuesOf(w.assets, devices.get(gone._id), 'Bound Users'), []);
      const other = tenant.systems.find((s) => s !== gone && s.primarySystemUser);
      assert.ok(valuesOf(w.assets, devices.get(other._id), 'Bound Users').length > 0, 'the others keep theirs');
    } finally {
      tenant.system = lookup;
    }
    // Found again: the next run writes its bound users back, and only that.
    const again = await sync(w, 'devices-linked.map');
    assert.deepEqual(again.writes, { create: 0, update: 1, delete: 0 });
  });

  test('a key that may not read the graph (403) fails the run before any write, naming JumpCloud and what to check', async () => {
    const tenant = w.jumpCloud.tenant;
    const lookup = tenant.system.bind(tenant);
    tenant.system = () => {
      throw new HttpError(403, 'Forbidden');
    };
    try {
      const r = await sync(w, 'devices-linked.map');
      assert.notEqual(r.code, 0);
      assert.equal(r.json.status, 'failed');
      assert.match(r.json.message, /JumpCloud/);
      assert.match(r.json.message, /403|permission|access/i);
      assert.deepEqual(r.writes, { create: 0, update: 0, delete: 0 });
      assert.equal(r.calls['GET /api/v2/systems/{system_id}/users'], 4, 'the first concurrent batch, no more');
    } finally {
      tenant.system = lookup;
    }
  });
});
