import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY, jumpCloud } from './helpers.js';

let jc;
before(async () => {
  jc = await jumpCloud();
});
after(() => jc.close());

const users = () => jc.tenant.users;
const q = (params) => new URLSearchParams(params).toString();

describe('auth and org id', () => {
  test('missing and wrong x-api-key are 401 with the documented Error fields', async () => {
    for (const headers of [{ 'x-api-key': '' }, { 'x-api-key': 'wrong' }]) {
      const res = await jc.call('/api/systemusers', { headers });
      assert.equal(res.status, 401);
      assert.equal(res.body.code, 401);
      assert.equal(res.body.status, 'Unauthorized');
      assert.match(res.body.message, /Unauthorized: api key user not found/);
    }
  });

  test('single-tenant key: x-org-id optional, must be well-formed and known', async () => {
    assert.equal((await jc.call('/api/systemusers', { headers: { 'x-org-id': jc.tenant.orgId } })).status, 200);
    const malformed = await jc.call('/api/systemusers', { headers: { 'x-org-id': 'nope' } });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.message, 'Malformed ID');
    const unknown = await jc.call('/api/systemusers', { headers: { 'x-org-id': 'a'.repeat(24) } });
    assert.equal(unknown.status, 404);
  });

  test('multi-tenant key requires x-org-id', async () => {
    const orgId = '5f0000000000000000000abc';
    const mtp = await jumpCloud({ orgId });
    try {
      const missing = await mtp.call('/api/v2/usergroups');
      assert.equal(missing.status, 401);
      assert.match(missing.body.message, /no organization selected/);
      assert.equal((await mtp.call('/api/v2/usergroups', { headers: { 'x-org-id': orgId } })).status, 200);
      assert.equal(mtp.tenant.users[0].organization, orgId);
    } finally {
      await mtp.close();
    }
  });

  test('API keys never appear in recorded requests', () => {
    assert.ok(jc.requests.length > 0);
    assert.ok(!JSON.stringify(jc.requests).includes(API_KEY));
  });
});

describe('v1 paging, limit, sort, fields', () => {
  test('default limit is 10 and totalCount counts every match', async () => {
    const res = await jc.call('/api/systemusers');
    assert.equal(res.status, 200);
    assert.equal(res.body.totalCount, users().length);
    assert.equal(res.body.results.length, 10);
    assert.equal(res.body.results[0]._id, users()[0]._id);
  });

  test('skip + limit walk every record exactly once with sort=_id', async () => {
    const seen = [];
    for (let skip = 0; skip < 100; skip += 7) {
      const res = await jc.call(`/api/systemusers?${q({ limit: 7, skip, sort: '_id' })}`);
      seen.push(...res.body.results.map((u) => u._id));
      if (res.body.results.length < 7) break;
    }
    assert.deepEqual(seen, users().map((u) => u._id).sort());
  });

  test('limit above 100 is refused; 100 is fine; bad integers are 400', async () => {
    assert.equal((await jc.call('/api/systemusers?limit=100')).body.results.length, 40);
    const over = await jc.call('/api/systemusers?limit=101');
    assert.equal(over.status, 400);
    assert.match(over.body.message, /limit must be less than or equal to 100/);
    assert.equal((await jc.call('/api/systemusers?limit=ten')).status, 400);
    assert.equal((await jc.call('/api/systemusers?skip=-1')).status, 400);
  });

  test('limitPolicy cap answers the maximum instead', async () => {
    const capped = await jumpCloud({ limitPolicy: 'cap', tenant: { seed: 7, users: 120 } });
    try {
      assert.equal((await capped.call('/api/systemusers?limit=500')).body.results.length, 100);
    } finally {
      await capped.close();
    }
  });

  test('sort: space separated, - for descending, ties keep natural order', async () => {
    const res = await jc.call(`/api/systemusers?${q({ limit: 100, sort: 'department -employeeIdentifier' })}`);
    const expected = [...users()].sort((a, b) => (a.department === b.department
      ? b.employeeIdentifier.localeCompare(a.employeeIdentifier) : a.department < b.department ? -1 : 1));
    assert.deepEqual(res.body.results.map((u) => u._id), expected.map((u) => u._id));
  });

  test('fields: space separated projection; _id always included; nested paths', async () => {
    const res = await jc.call(`/api/systemusers?${q({ fields: 'email department', limit: 2 })}`);
    for (const row of res.body.results) assert.deepEqual(Object.keys(row).sort(), ['_id', 'department', 'email']);
    const systems = await jc.call(`/api/systems?${q({ fields: 'primarySystemUser.id hostname', limit: 1 })}`);
    assert.deepEqual(Object.keys(systems.body.results[0]).sort(), ['_id', 'hostname', 'primarySystemUser']);
  });

  test('GET /systemusers/{id}: found, 404 unknown, 400 malformed', async () => {
    const first = users()[0];
    const res = await jc.call(`/api/systemusers/${first._id}?fields=email`);
    assert.deepEqual(res.body, { _id: first._id, email: first.email });
    assert.equal((await jc.call(`/api/systemusers/${'0'.repeat(24)}`)).status, 404);
    assert.equal((await jc.call('/api/systemusers/xyz')).status, 400);
  });
});

describe('v1 filters', () => {
  const ids = (res) => res.body.results.map((u) => u._id).sort();
  const expect = (predicate) => users().filter(predicate).map((u) => u._id).sort();
  const list = (params) => jc.call(`/api/systemusers?${params}&limit=100`);

  test('each operator: $eq $ne $gt $gte $lt $lte', async () => {
    const pivot = users()[20].employeeIdentifier;
    const cases = {
      $eq: (u) => u.employeeIdentifier === pivot,
      $ne: (u) => u.employeeIdentifier !== pivot,
      $gt: (u) => u.employeeIdentifier > pivot,
      $gte: (u) => u.employeeIdentifier >= pivot,
      $lt: (u) => u.employeeIdentifier < pivot,
      $lte: (u) => u.employeeIdentifier <= pivot,
    };
    for (const [op, predicate] of Object.entries(cases)) {
      const res = await list(q({ filter: `employeeIdentifier:${op}:${pivot}` }));
      assert.equal(res.status, 200, op);
      assert.deepEqual(ids(res), expect(predicate), op);
    }
  });

  test('values are coerced to the field type (numbers, booleans) and case sensitive', async () => {
    assert.deepEqual(ids(await list(q({ filter: 'unix_uid:$gte:5030' }))), expect((u) => u.unix_uid >= 5030));
    assert.deepEqual(ids(await list(q({ filter: 'suspended:$eq:true' }))), expect((u) => u.suspended === true));
    assert.deepEqual(ids(await list(q({ filter: 'department:$eq:it' }))), []);
  });

  test('a value may contain colons; dotted and array fields match like Mongo', async () => {
    const created = users()[3].created;
    assert.deepEqual(ids(await list(q({ filter: `created:$eq:${created}` }))), [users()[3]._id]);
    assert.deepEqual(ids(await list(q({ filter: 'addresses.country:$eq:Japan' }))), expect((u) => u.addresses.some((a) => a.country === 'Japan')));
    assert.deepEqual(ids(await list(q({ filter: 'attributes.name:$eq:shirtSize' }))), expect((u) => u.attributes.some((a) => a.name === 'shirtSize')));
  });

  test('filter[0], filter[1] AND; repeated filter AND; filter[or][n] OR', async () => {
    const and = `${q({ 'filter[0]': 'department:$eq:Engineering' })}&${q({ 'filter[1]': 'state:$eq:ACTIVATED' })}`;
    assert.deepEqual(ids(await list(and)), expect((u) => u.department === 'Engineering' && u.state === 'ACTIVATED'));
    const repeated = `${q({ filter: 'department:$eq:Engineering' })}&${q({ filter: 'state:$eq:ACTIVATED' })}`;
    assert.deepEqual(ids(await list(repeated)), expect((u) => u.department === 'Engineering' && u.state === 'ACTIVATED'));
    const or = `${q({ 'filter[or][0]': 'department:$eq:Finance' })}&${q({ 'filter[or][1]': 'department:$eq:R&D' })}`;
    assert.deepEqual(ids(await list(or)), expect((u) => u.department === 'Finance' || u.department === 'R&D'));
  });

  test('unknown operators, missing $ and malformed filters are 400, never a silent answer', async () => {
    const search = await list(q({ search: '{"searchTerm":"x"}' }));
    assert.equal(search.status, 400, 'the undocumented search encoding is refused, not ignored');
    assert.equal((await list(q({ filter: '' }))).body.totalCount, users().length, 'an empty filter constrains nothing');
    for (const filter of ['department:eq:IT', 'department:$in:IT', 'department', 'department:$eq']) {
      const res = await list(q({ filter }));
      assert.equal(res.status, 400, filter);
      assert.ok(res.body.message.length > 0);
    }
  });

  test('filters on /systems, e.g. by primary user', async () => {
    const owner = users()[0]._id;
    const res = await jc.call(`/api/systems?${q({ filter: `primarySystemUser.id:$eq:${owner}`, limit: 100 })}`);
    assert.deepEqual(res.body.results.map((s) => s._id), jc.tenant.systems.filter((s) => s.primarySystemUser?.id === owner).map((s) => s._id));
    assert.ok(res.body.results.length >= 1);
  });
});

describe('POST /search', () => {
  test('filter {or: [...]}, fields, limit in the body; memberof added', async () => {
    const res = await jc.call('/api/search/systemusers', {
      method: 'POST',
      body: { filter: { or: [{ department: 'IT' }, { department: 'Sales' }] }, fields: 'department', limit: 100 },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.totalCount, users().filter((u) => ['IT', 'Sales'].includes(u.department)).length);
    assert.ok(res.body.results.every((u) => ['IT', 'Sales'].includes(u.department)));
    const full = await jc.call('/api/search/systemusers', { method: 'POST', body: { filter: { and: [{ department: 'IT' }] }, limit: 1 } });
    assert.ok(Array.isArray(full.body.results[0].memberof));
  });

  test('searchFilter does partial case-insensitive text matching', async () => {
    const res = await jc.call('/api/search/systemusers', { method: 'POST', body: { searchFilter: { searchTerm: 'ÜLLER', fields: ['lastname'] }, limit: 100 } });
    assert.deepEqual(res.body.results.map((u) => u._id), users().filter((u) => u.lastname.toLowerCase().includes('üller')).map((u) => u._id));
  });

  test('systems search and limit cap', async () => {
    const res = await jc.call('/api/search/systems', { method: 'POST', body: { filter: { os: 'Windows' }, limit: 100 } });
    assert.ok(res.body.results.length > 0 && res.body.results.every((s) => s.os === 'Windows'));
    assert.equal((await jc.call('/api/search/systems', { method: 'POST', body: { limit: 1000 } })).status, 400);
  });
});

describe('v2', () => {
  test('usergroups: bare array, x-total-count, comma sort and fields, filters', async () => {
    const res = await jc.call('/api/v2/usergroups?limit=3&sort=-name&fields=name');
    assert.ok(Array.isArray(res.body));
    assert.equal(res.headers.get('x-total-count'), String(jc.tenant.userGroups.length));
    const names = jc.tenant.userGroups.map((g) => g.name).sort().reverse().slice(0, 3);
    assert.deepEqual(res.body.map((g) => g.name), names);
    assert.deepEqual(Object.keys(res.body[0]).sort(), ['id', 'name']);
    const eq = await jc.call(`/api/v2/usergroups?${q({ filter: 'name:eq:Ops "Night Shift"' })}`);
    assert.equal(eq.body.length, 1);
    const inList = await jc.call(`/api/v2/usergroups?${q({ filter: 'name:in:IT|Finance' })}`);
    assert.deepEqual(inList.body.map((g) => g.name).sort(), ['Finance', 'IT']);
    const search = await jc.call(`/api/v2/usergroups?${q({ filter: 'name:search:ENGIN' })}`);
    assert.deepEqual(search.body.map((g) => g.name), ['Engineering']);
    const ne = await jc.call(`/api/v2/usergroups?${q({ filter: 'name:ne:IT', limit: 100 })}`);
    assert.equal(ne.body.length, jc.tenant.userGroups.length - 1);
    const ge = await jc.call(`/api/v2/usergroups?${q({ filter: 'name:ge:R', limit: 100 })}`);
    assert.deepEqual(ge.body.map((g) => g.name).sort(), jc.tenant.userGroups.map((g) => g.name).filter((n) => n >= 'R').sort());
    const lt = await jc.call(`/api/v2/usergroups?${q({ filter: 'name:lt:C', limit: 100 })}`);
    assert.deepEqual(lt.body.map((g) => g.name).sort(), jc.tenant.userGroups.map((g) => g.name).filter((n) => n < 'C').sort());
    assert.equal((await jc.call(`/api/v2/usergroups?${q({ filter: 'name:$eq:IT' })}`)).status, 400);
  });

  test('members are GraphConnections; membership and memberof are GraphObjectWithPaths', async () => {
    const group = jc.tenant.userGroups.find((g) => g.members.length > 2);
    const members = await jc.call(`/api/v2/usergroups/${group.id}/members?limit=100`);
    assert.deepEqual(members.body.map((m) => m.to.id), group.members);
    assert.ok(members.body.every((m) => m.to.type === 'user'));
    assert.equal(members.headers.get('x-total-count'), String(group.members.length));
    const membership = await jc.call(`/api/v2/usergroups/${group.id}/membership?limit=100`);
    assert.deepEqual(membership.body.map((m) => m.id), group.members);
    assert.deepEqual(membership.body[0].paths, [[{ attributes: null, to: { attributes: null, id: group.members[0], type: 'user' } }]]);
    const one = await jc.call(`/api/v2/usergroups/${group.id}/membership?${q({ filter: `object_id:eq:${group.members[1]}` })}`);
    assert.deepEqual(one.body.map((m) => m.id), [group.members[1]]);
    const user = group.members[0];
    const memberOf = await jc.call(`/api/v2/users/${user}/memberof?${q({ filter: 'type:eq:user_group', limit: 100 })}`);
    assert.deepEqual(memberOf.body.map((g) => g.id).sort(), jc.tenant.userGroups.filter((g) => g.members.includes(user)).map((g) => g.id).sort());
    assert.ok(memberOf.body.every((g) => g.type === 'user_group' && g.paths.length === 1));
    assert.equal((await jc.call(`/api/v2/usergroups/${group.id}/membership?${q({ filter: 'name:eq:x' })}`)).status, 400);
    assert.equal((await jc.call(`/api/v2/usergroups/${'0'.repeat(24)}/members`)).status, 404);
  });

  test('systems/{id}/users: direct binding and via group bindings', async () => {
    const linuxGroup = jc.tenant.systemGroups.find((g) => g.name === 'Linux Workstations');
    const system = jc.tenant.system(linuxGroup.members[0]);
    const res = await jc.call(`/api/v2/systems/${system._id}/users?limit=100`);
    const owner = res.body.find((u) => u.id === system.primarySystemUser.id);
    assert.ok(owner.paths.some((p) => p.length === 1));
    const engineer = jc.tenant.userGroups.find((g) => g.name === 'Engineering').members.find((m) => m !== owner.id);
    const indirect = res.body.find((u) => u.id === engineer);
    assert.deepEqual(indirect.paths[0].map((edge) => edge.to.type), ['system_group', 'user_group', 'user']);
    assert.equal(res.headers.get('x-total-count'), String(res.body.length));
  });

  test('system insights: limit up to 10000, eq / in filters, no other operators', async () => {
    const res = await jc.call('/api/v2/systeminsights/system_info?limit=10000');
    assert.equal(res.body.length, jc.tenant.systems.length);
    const [a, b] = jc.tenant.systems;
    const pair = await jc.call(`/api/v2/systeminsights/system_info?${q({ filter: `system_id:in:${a._id}|${b._id}` })}`);
    assert.deepEqual(pair.body.map((r) => r.system_id), [a._id, b._id]);
    assert.equal(pair.body[0].hardware_serial, a.serialNumber);
    assert.equal((await jc.call('/api/v2/systeminsights/system_info?limit=10001')).status, 400);
    assert.equal((await jc.call(`/api/v2/systeminsights/system_info?${q({ filter: 'hostname:search:x' })}`)).status, 400);
  });

  test('applications (v1, default sort name) and os_version rows', async () => {
    const apps = await jc.call('/api/applications?limit=100');
    assert.equal(apps.status, 200);
    assert.equal(apps.body.totalCount, jc.tenant.applications.length);
    assert.deepEqual(apps.body.results.map((a) => a.name), jc.tenant.applications.map((a) => a.name).sort());
    const active = await jc.call(`/api/applications?${q({ filter: 'active:$eq:true', fields: 'displayName' })}`);
    assert.equal(active.body.totalCount, jc.tenant.applications.filter((a) => a.active).length);
    const system = jc.tenant.systems[1];
    const os = await jc.call(`/api/v2/systeminsights/os_version?${q({ filter: `system_id:eq:${system._id}` })}`);
    assert.equal(os.body.length, 1);
    assert.equal(os.body[0].name, system.os);
  });

  test('application assignments: users directly and through groups, user groups, 404 for an unknown app', async () => {
    const atlassian = jc.tenant.applications.find((a) => a.name === 'atlassian');
    const res = await jc.call(`/api/v2/applications/${atlassian._id}/users?limit=100`);
    assert.equal(res.status, 200);
    const groups = jc.tenant.userGroups.filter((g) => ['Engineering', 'IT'].includes(g.name));
    const direct = jc.tenant.users.filter((_, i) => i % 5 === 0).map((u) => u._id);
    const expected = new Set([...direct, ...groups.flatMap((g) => g.members)]);
    assert.deepEqual(new Set(res.body.map((u) => u.id)), expected);
    assert.ok(res.body.every((u) => u.type === 'user' && u.paths.length >= 1));
    const viaGroup = res.body.find((u) => !direct.includes(u.id));
    assert.deepEqual(viaGroup.paths[0].map((edge) => edge.to.type), ['user_group', 'user']);
    const bound = await jc.call(`/api/v2/applications/${atlassian._id}/usergroups`);
    assert.deepEqual(bound.body.map((g) => g.id).sort(), groups.map((g) => g.id).sort());
    const crm = jc.tenant.applications.find((a) => a.name === 'legacy-crm');
    assert.deepEqual((await jc.call(`/api/v2/applications/${crm._id}/usergroups`)).body, [], 'no groups, direct users only');
    assert.equal((await jc.call(`/api/v2/applications/${'f'.repeat(24)}/users`)).status, 404);
    assert.equal((await jc.call('/api/v2/applications/nope/users')).status, 400);
  });

  test('multi-row insights tables: apps on macOS, programs on Windows, batteries only on the Macs in use, uptime gte', async () => {
    const apps = await jc.call('/api/v2/systeminsights/apps?limit=10000&sort=system_id,path');
    const macs = jc.tenant.systems.filter((s) => s.osFamily === 'darwin');
    assert.deepEqual(new Set(apps.body.map((r) => r.system_id)), new Set(macs.map((s) => s._id)));
    assert.ok(apps.body.length > macs.length * 3, 'several rows a device');
    const keys = apps.body.map((r) => `${r.system_id} ${r.path}`);
    assert.deepEqual(keys, [...keys].sort(), 'sorted by system_id, then path');
    assert.equal(new Set(keys).size, keys.length, 'system_id + path tells rows apart');
    const programs = await jc.call('/api/v2/systeminsights/programs?limit=10000');
    assert.ok(programs.body.every((r) => jc.tenant.system(r.system_id).osFamily === 'windows'));
    const battery = await jc.call('/api/v2/systeminsights/battery?limit=10000');
    const usedMacs = jc.tenant.systems.filter((s) => s.primarySystemUser && s.osFamily === 'darwin');
    assert.deepEqual(battery.body.map((r) => r.system_id).sort(), usedMacs.map((s) => s._id).sort());
    const long = await jc.call(`/api/v2/systeminsights/uptime?${q({ filter: 'days:gte:4', limit: 10000 })}`);
    assert.ok(long.body.length > 0 && long.body.every((r) => r.days >= 4) && long.body.length < jc.tenant.systems.length);
    assert.equal((await jc.call(`/api/v2/systeminsights/apps?${q({ filter: 'name:gte:a' })}`)).status, 400, 'gte is the uptime table\'s only');
  });

  test('every request in this file was valid against the vendor specs, except the deliberate ones', () => {
    const unexpected = jc.violations.filter((v) => !/limit=(101|1000|10001)|limit=ten|skip=-1|filter=department|\$eq%3AIT|xyz|nope|name%3Agte/.test(`${v.path}${v.query}`));
    assert.deepEqual(unexpected, []);
  });
});
