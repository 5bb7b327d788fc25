// Conformance: every route the emulators serve is an operation of the vendor spec, every query
// parameter they read is declared there, and the validator rejects what the spec rejects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSchema, createValidator, loadSpec } from '../../dev/emulators/spec.js';
import { assets, attributesBody, jumpCloud } from './helpers.js';


test('every JumpCloud and Assets route is an operation of its vendor spec', async () => {
  const jc = await jumpCloud();
  const as = await assets();
  try {
    const validator = await createValidator(['jumpcloud-v1', 'jumpcloud-v2', 'assets', 'jira-platform']);
    for (const route of [...jc.routes, ...as.routes]) {
      if (route.control) {
        assert.match(route.template, /^\/__control\//, 'control routes live under /__control');
        continue;
      }
      const name = `${route.method} ${route.template}`;
      assert.ok(route.spec, `${name} has no spec reference`);
      assert.ok(validator.operation(route.spec, route.method), `${name} -> ${route.spec.api} ${route.spec.path} missing from the spec`);
      // The emulator's path must be the spec path under the API's base path.
      const base = { 'jumpcloud-v1': '/api', 'jumpcloud-v2': '/api/v2', assets: '/jsm/assets/workspace/{workspaceId}/v1', 'jira-platform': '' }[route.spec.api];
      const normalise = (p) => p.replace(/\{[^}]+\}/g, '{}');
      assert.equal(normalise(route.template), normalise(base + route.spec.path), name);
    }
  } finally {
    await jc.close();
    await as.close();
  }
});

test('every query parameter and body the emulators understand passes the spec validator', async () => {
  const jc = await jumpCloud();
  const as = await assets();
  try {
    const user = jc.tenant.users[0]._id;
    const system = jc.tenant.systems[0]._id;
    const group = jc.tenant.userGroups[0].id;
    const sysGroup = jc.tenant.systemGroups[0].id;
    const app = jc.tenant.applications[0]._id;
    const jcCalls = [
      '/api/systemusers?limit=5&skip=1&sort=-email%20_id&fields=email%20manager&filter=department:$eq:IT',
      '/api/systemusers?filter[0]=state:$eq:ACTIVATED&filter[1]=department:$ne:IT&filter[or][0]=location:$eq:Tokyo&filter[or][1]=location:$eq:Berlin',
      `/api/systemusers/${user}?fields=email&filter=state:$eq:ACTIVATED`,
      '/api/systems?limit=5&skip=0&sort=hostname&fields=hostname&filter=os:$eq:Windows',
      `/api/systems/${system}?fields=hostname`,
      '/api/v2/usergroups?limit=5&skip=0&sort=-name&fields=name,id&filter=name:eq:IT',
      `/api/v2/usergroups/${group}`,
      '/api/v2/systemgroups?limit=5&skip=0&sort=name&fields=name&filter=name:search:Fleet',
      `/api/v2/systemgroups/${sysGroup}`,
      `/api/v2/usergroups/${group}/members?limit=5&skip=0`,
      `/api/v2/systemgroups/${sysGroup}/members?limit=5&skip=0`,
      `/api/v2/usergroups/${group}/membership?limit=5&skip=0&sort=id&filter=type:eq:user`,
      `/api/v2/users/${user}/memberof?limit=5&skip=0&sort=id&filter=type:eq:user_group`,
      `/api/v2/systems/${system}/users?limit=5&skip=0&filter=type:eq:user`,
      `/api/v2/systeminsights/system_info?limit=1000&skip=0&sort=-hostname&filter=system_id:in:${system}|${user}`,
      `/api/v2/systeminsights/os_version?limit=10&skip=0&sort=version&filter=system_id:eq:${system}`,
      '/api/applications?limit=5&skip=0&sort=-name&fields=name%20displayName&filter=active:$eq:true',
      `/api/v2/applications/${app}/users?limit=5&skip=0&filter=type:eq:user`,
      `/api/v2/applications/${app}/usergroups?limit=5&skip=0`,
      '/api/v2/systeminsights/apps?limit=1000&skip=0&sort=system_id,path',
      '/api/v2/systeminsights/programs?limit=1000&skip=0&sort=system_id,name,version',
      `/api/v2/systeminsights/disk_encryption?limit=10&skip=0&sort=system_id,name&filter=system_id:eq:${system}`,
      '/api/v2/systeminsights/bitlocker_info?limit=10&skip=0&sort=system_id,drive_letter',
      '/api/v2/systeminsights/uptime?limit=10&skip=0&sort=system_id&filter=days:gte:1',
      `/api/v2/systeminsights/battery?limit=10&skip=0&sort=system_id&filter=system_id:in:${system}|${user}`,
    ];
    for (const path of jcCalls) assert.equal((await jc.call(path)).status, 200, path);
    for (const route of ['systemusers', 'systems']) {
      const res = await jc.call(`/api/search/${route}?limit=5&skip=0&fields=_id&filter=_id:$ne:x`, {
        method: 'POST',
        body: { filter: { and: [{ _id: { $ne: 'x' } }] }, searchFilter: { searchTerm: 'a', fields: ['_id'] }, fields: '_id', limit: 5, skip: 0 },
      });
      assert.equal(res.status, 200, route);
    }
    const served = new Set(jc.requests.map((r) => r.route));
    const missing = jc.routes.filter((r) => !r.control && !served.has(`${r.method} ${r.template}`));
    assert.deepEqual(missing, [], 'every JumpCloud route was exercised');
    assert.deepEqual(jc.violations, []);

    const { types, attrs } = as.demo();
    const schemaId = [...as.state.schemas.keys()][0];
    const ok = async (method, path, body, status = 200) => assert.equal((await as.call(method, path, body)).status, status, `${method} ${path}`);
    await ok('GET', '/objectschema/list?startAt=0&maxResults=10&includeCounts=true');
    await ok('GET', `/objectschema/${schemaId}/objecttypes/flat?exclude=Device&includeObjectCounts=true`);
    await ok('GET', `/objecttype/${types.User.id}/attributes?onlyValueEditable=true&orderByName=true&query=Name&includeValuesExist=false&excludeParentAttributes=false&includeChildren=false&orderByRequired=true`);
    await ok('POST', '/objecttype/create', { name: 'Laptop bag', description: 'x', iconId: '1', objectSchemaId: schemaId, inherited: false, abstractObjectType: false }, 201);
    await ok('POST', `/objecttypeattribute/${types.Department.id}`, { name: 'Head count', type: 0, defaultTypeId: 1, minimumCardinality: 0, maximumCardinality: 1, uniqueAttribute: false, label: false }, 201);
    const created = await as.call('POST', '/object/create', attributesBody(types.User.id, { [attrs('User').Name]: 'Conformant' }));
    assert.equal(created.status, 201);
    await ok('GET', `/object/${created.body.id}`);
    await ok('PUT', `/object/${created.body.id}`, attributesBody(types.User.id, { [attrs('User')['Job Title']]: 'CTO' }));
    await ok('POST', '/object/aql?startAt=0&maxResults=10&includeAttributes=false', { qlQuery: 'objectType = User' });
    await ok('POST', '/object/aql/totalcount', { qlQuery: 'objectType = User' });
    await ok('GET', `/objectschema/${schemaId}`);
    await ok('GET', `/objecttype/${types.User.id}`);
    await ok('GET', `/config/statustype?objectSchemaId=${schemaId}`);
    const statusId = [...as.state.statuses.keys()][0];
    await ok('GET', `/config/statustype/${statusId}`);
    await ok('GET', '/icon/global');
    await ok('GET', `/config/referencetype?objectSchemaId=${schemaId}`);
    const headCount = as.state.attributesOf(types.Department.id).find((a) => a.name === 'Head count');
    await ok('PUT', `/objecttypeattribute/${types.Department.id}/${headCount.id}`, { label: false, minimumCardinality: 0, description: 'people' });
    await ok('DELETE', `/object/${created.body.id}`, undefined, 204);
    await as.raw('GET', '/rest/servicedeskapi/assets/workspace?start=0&limit=50');
    await as.raw('GET', '/rest/api/3/user/search?query=a&startAt=0&maxResults=10');
    await as.raw('POST', '/rest/api/3/permissions/check', { globalPermissions: ['ADMINISTER'] });
    const servedAssets = new Set(as.requests.map((r) => r.route));
    assert.deepEqual(as.routes.filter((r) => !r.control && !servedAssets.has(`${r.method} ${r.template}`)), [], 'every Assets route was exercised');
    assert.deepEqual(as.violations, []);
  } finally {
    await jc.close();
    await as.close();
  }
});

test('the validator reports what the spec rejects; strict mode answers 400', async () => {
  const as = await assets({ validate: 'strict' });
  try {
    const { types } = as.demo();
    const numeric = await as.call('POST', '/object/create', { objectTypeId: Number(types.User.id), attributes: [] });
    assert.equal(numeric.status, 400);
    assert.match(numeric.body.errorMessages[0], /body\.objectTypeId: expected string, got integer/);
    const unknown = await as.call('GET', '/objectschema/list?pageSize=3');
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.errorMessages[0], /"pageSize" is not declared/);
    const badBool = await as.call('POST', '/object/aql?includeAttributes=yes', { qlQuery: 'objectType = User' });
    assert.match(badBool.body.errorMessages[0], /not true or false/);
    const missing = await as.call('POST', '/object/aql', { query: 'x' });
    assert.match(missing.body.errorMessages[0], /missing required property "qlQuery"/);
    assert.equal(as.violations.length, 4);
  } finally {
    await as.close();
  }
  const jc = await jumpCloud();
  try {
    await jc.call('/api/v2/usergroups?limit=500');
    await jc.call('/api/search/systemusers', { method: 'POST', body: { filter: [{ department: 'IT' }], limit: '5' } });
    await jc.call('/api/systemusers', { method: 'POST', body: {} });
    const garbled = await fetch(`${jc.url}/api/search/systemusers`, { method: 'POST', headers: { 'x-api-key': 'test-key-not-a-secret', 'content-type': 'application/json' }, body: '{not json' });
    assert.equal(garbled.status, 400);
    const problems = jc.violations.flatMap((v) => v.problems);
    const jiraCheck = await assets();
    try {
      await jiraCheck.raw('POST', '/rest/api/3/permissions/check', { globalPermissions: 'ADMINISTER' });
      await jiraCheck.raw('GET', '/rest/api/3/user/search?email=a%40b.c');
      assert.deepEqual(jiraCheck.violations.map((v) => v.problems[0]), [
        'request at body.globalPermissions: expected array, got string',
        'query parameter "email" is not declared for GET /rest/api/3/user/search',
      ]);
    } finally {
      await jiraCheck.close();
    }
    assert.ok(problems.some((p) => /not valid JSON/.test(p)));
    assert.ok(problems.some((p) => /limit.*above the maximum 100/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /body\.filter: expected object, got array/.test(p)));
    assert.ok(problems.some((p) => /body\.limit: expected integer, got string/.test(p)));
    assert.ok(problems.some((p) => /POST \/api\/systemusers is not served/.test(p)));
  } finally {
    await jc.close();
  }
});

test('checkSchema: $ref, required, enum, oneOf, additionalProperties, nullable', async () => {
  const doc = {
    definitions: {
      Thing: { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string' }, kind: { enum: ['a', 'b'] }, n: { type: 'integer', minimum: 0, 'x-nullable': true } } },
    },
  };
  const ref = { $ref: '#/definitions/Thing' };
  assert.deepEqual(checkSchema(doc, ref, { id: 'x', kind: 'a', n: null }), []);
  assert.deepEqual(checkSchema(doc, ref, { kind: 'c', n: -1, extra: 1 }), [
    'at $: missing required property "id"',
    'at $.kind: "c" is not one of ["a","b"]',
    'at $.n: -1 is below the minimum 0',
    'at $: property "extra" is not allowed',
  ]);
  assert.deepEqual(checkSchema(doc, { oneOf: [{ type: 'string' }, { type: 'integer' }] }, true), ['at $: value matches none of the oneOf alternatives']);
  assert.deepEqual(checkSchema(doc, { type: 'array', items: { type: 'number' } }, [1, 2.5, 'x']), ['at $[2]: expected number, got string']);
  const v1 = await loadSpec('jumpcloud-v1');
  assert.ok(v1.get('POST /search/systemusers').params.has('query:limit'), 'the 2023 spec supplements the SDK spec');
});
