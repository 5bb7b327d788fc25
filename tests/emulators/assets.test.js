import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assets, attributesBody, BASIC, TOKEN } from './helpers.js';

const JIRA_USERS = [
  { accountId: '712020:aaaa', displayName: 'Zoë Müller', emailAddress: 'zoe@example.test' },
  { accountId: '712020:bbbb', displayName: "Liam O'Brien", emailAddress: 'liam@example.test', hideEmail: true },
];

let as;
let user; // demo User type
let A; // its attribute ids by name
let device;
let D;
let department;
before(async () => {
  as = await assets({ jira: { users: JIRA_USERS, admins: ['712020:aaaa'] } });
  const { types, attrs } = as.demo();
  user = types.User;
  device = types.Device;
  department = types.Department;
  A = attrs('User');
  D = attrs('Device');
});
after(() => as.close());

const createUser = (values) => as.call('POST', '/object/create', attributesBody(user.id, { [A.Name]: 'Someone', ...values }));
const expect400 = async (values, field, pattern) => {
  const res = await createUser(values);
  assert.equal(res.status, 400, JSON.stringify(values));
  assert.deepEqual(res.body.errorMessages, []);
  assert.match(res.body.errors[field], pattern);
};

describe('structure endpoints', () => {
  test('workspace discovery, schema list, flat object types, attributes', async () => {
    const ws = await as.raw('GET', '/rest/servicedeskapi/assets/workspace');
    assert.equal(ws.status, 200);
    assert.deepEqual(ws.body.values, [{ workspaceId: as.workspaceId }]);
    const schemas = await as.call('GET', '/objectschema/list?includeCounts=true');
    assert.equal(schemas.body.values[0].objectSchemaKey, 'PPL');
    assert.equal(schemas.body.isLast, true);
    const flat = await as.call('GET', `/objectschema/${schemas.body.values[0].id}/objecttypes/flat`);
    assert.deepEqual(flat.body.map((t) => t.name).sort(), ['Department', 'Device', 'Group', 'User']);
    const attributes = await as.call('GET', `/objecttype/${user.id}/attributes`);
    const byName = Object.fromEntries(attributes.body.map((a) => [a.name, a]));
    assert.equal(byName.Key.system, true);
    assert.equal(byName.Name.label, true);
    assert.equal(byName['JumpCloud ID'].uniqueAttribute, true);
    assert.equal(byName.Email.defaultType.name, 'Email');
    assert.equal(byName.Manager.referenceObjectTypeId, user.id);
    assert.equal(byName.Groups.maximumCardinality, -1);
    assert.equal(byName.Status.type, 7);
    const editable = await as.call('GET', `/objecttype/${user.id}/attributes?onlyValueEditable=true`);
    assert.ok(editable.body.every((a) => !a.system));
    assert.equal((await as.call('GET', '/objecttype/99999/attributes')).status, 404);
    assert.equal((await as.call('GET', `/objecttype/${user.id}`)).body.objectSchemaId, schemas.body.values[0].id);
    assert.equal((await as.call('GET', '/objecttype/99999')).status, 404);
    const statuses = await as.call('GET', `/config/statustype?objectSchemaId=${schemas.body.values[0].id}`);
    assert.ok(statuses.body.some((st) => st.name === 'Active' && st.category === 1 && st.objectSchemaId === null));
    const total = await as.call('POST', '/object/aql/totalcount', { qlQuery: 'objectType = Department' });
    assert.deepEqual(total.body, { totalCount: 0 });
    assert.ok((await as.call('GET', '/icon/global')).body.every((i) => i.id && i.name));
    assert.equal((await as.raw('GET', '/jsm/assets/workspace/other/v1/objectschema/list')).status, 404);
  });

  test('object type and attribute creation, with their rules', async () => {
    const schemaId = [...as.state.schemas.keys()][0];
    const created = await as.call('POST', '/objecttype/create', { name: 'Phone', iconId: '1', objectSchemaId: schemaId });
    assert.equal(created.status, 201);
    assert.equal((await as.call('POST', '/objecttype/create', { name: 'Phone', iconId: '1', objectSchemaId: schemaId })).status, 400);
    assert.equal((await as.call('POST', '/objecttype/create', { name: 'X', objectSchemaId: schemaId })).status, 400);
    const badIcon = await as.call('POST', '/objecttype/create', { name: 'X', iconId: '999', objectSchemaId: schemaId });
    assert.match(badIcon.body.errors.iconId, /does not exist/);
    const id = created.body.id;
    const ok = await as.call('POST', `/objecttypeattribute/${id}`, { name: 'IMEI', type: 0, defaultTypeId: 0, uniqueAttribute: true });
    assert.equal(ok.status, 201);
    assert.equal(ok.body.defaultType.name, 'Text');
    const cases = [
      [{ name: 'NoDefault', type: 0 }, 'defaultTypeId'],
      [{ name: 'Multi text', type: 0, defaultTypeId: 0, maximumCardinality: 3 }, 'maximumCardinality'],
      [{ name: 'Ref', type: 1, typeValue: '99999', additionalValue: '6' }, 'typeValue'],
      [{ name: 'Sel', type: 0, defaultTypeId: 10 }, 'options'],
      [{ name: 'IMEI', type: 0, defaultTypeId: 0 }, 'name'],
      [{ name: 'Weird', type: 3 }, 'type'],
    ];
    for (const [body, field] of cases) {
      const res = await as.call('POST', `/objecttypeattribute/${id}`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.ok(res.body.errors[field], `${JSON.stringify(body)} -> ${JSON.stringify(res.body)}`);
    }
    // The spec's own example sends type codes as strings; Assets accepts them.
    assert.equal((await as.call('POST', `/objecttypeattribute/${id}`, { name: 'Geolocation', type: '0', defaultTypeId: '0' })).status, 201);
  });
});

describe('objects', () => {
  test('create returns 201 without attributes; keys are <SCHEMAKEY>-<n>; GET has the values', async () => {
    const first = await createUser({ [A.Name]: 'Zoë "Z" Müller', [A['JumpCloud ID']]: 'jc-1', [A.Email]: 'zoe@example.test' });
    assert.equal(first.status, 201);
    assert.equal(first.body.attributes, undefined);
    assert.match(first.body.objectKey, /^PPL-\d+$/);
    assert.equal(first.body.label, 'Zoë "Z" Müller');
    const second = await createUser({ [A.Name]: 'Second' });
    assert.equal(Number(second.body.objectKey.split('-')[1]), Number(first.body.objectKey.split('-')[1]) + 1);
    const got = await as.call('GET', `/object/${first.body.id}`);
    const values = Object.fromEntries(got.body.attributes.map((a) => [a.objectTypeAttributeId, a.objectAttributeValues.map((v) => v.value)]));
    assert.deepEqual(values[A.Email], ['zoe@example.test']);
    assert.deepEqual(values[A.Key], [first.body.objectKey]);
    const email = got.body.attributes.find((a) => a.objectTypeAttributeId === A.Email);
    assert.equal(email.objectTypeAttribute.name, 'Email', 'GET embeds the attribute definition');
    assert.equal(email.objectId, first.body.id);
    assert.equal((await as.call('GET', '/object/999999')).status, 404);
  });

  test('every attribute type checks its value format', async () => {
    const schemaId = [...as.state.schemas.keys()][0];
    const type = (await as.call('POST', '/objecttype/create', { name: 'Typed', iconId: '1', objectSchemaId: schemaId })).body;
    const attr = async (name, defaultTypeId, extra = {}) => (await as.call('POST', `/objecttypeattribute/${type.id}`, { name, type: 0, defaultTypeId, ...extra })).body.id;
    const ids = {
      Integer: await attr('Int', 1), Boolean: await attr('Bool', 2), Double: await attr('Dbl', 3), Date: await attr('Day', 4),
      Time: await attr('Clock', 5), DateTime: await attr('Moment', 6), Url: await attr('Link', 7), Email: await attr('Mail', 8),
      Select: await attr('Size', 10, { options: 'S,M,L' }), IP: await attr('Addr', 11), Text: await attr('Code', 0, { regexValidation: '^[A-Z]{3}$' }),
    };
    const name = as.state.attributesOf(type.id).find((a) => a.name === 'Name').id;
    const good = { Integer: '-42', Boolean: 'true', Double: '3.25', Date: '2024-02-29', Time: '23:59', DateTime: '2024-05-01T10:00:00Z', Url: 'https://example.test/x', Email: 'a.b@example.test', Select: 'M', IP: '2001:db8::1', Text: 'ABC' };
    const bad = { Integer: '4.5', Boolean: 'yes', Double: 'abc', Date: '2023-02-29', Time: '25:00', DateTime: '2024-05-01', Url: 'not a url', Email: 'a@b', Select: 'XXL', IP: '300.1.1.1', Text: 'abcd' };
    for (const kind of Object.keys(ids)) {
      const ok = await as.call('POST', '/object/create', attributesBody(type.id, { [name]: `ok ${kind}`, [ids[kind]]: good[kind] }));
      assert.equal(ok.status, 201, `${kind} accepts ${good[kind]}: ${JSON.stringify(ok.body)}`);
      const no = await as.call('POST', '/object/create', attributesBody(type.id, { [name]: `bad ${kind}`, [ids[kind]]: bad[kind] }));
      assert.equal(no.status, 400, `${kind} refuses ${bad[kind]}`);
      assert.equal(Object.keys(no.body.errors).length, 1);
    }
    for (const [kind, text] of [['Select', 'm'], ['Boolean', 'TRUE']]) {
      const res = await as.call('POST', '/object/create', attributesBody(type.id, { [name]: `case ${kind}`, [ids[kind]]: text }));
      assert.equal(res.status, 400, `${kind} is exact: ${text}`);
    }
  });

  test('the limits Atlassian documents: Text length, Integer range, http(s) URLs, patterns on Text, Email and URL', async () => {
    const schemaId = [...as.state.schemas.keys()][0];
    const type = (await as.call('POST', '/objecttype/create', { name: 'Limited', iconId: '1', objectSchemaId: schemaId })).body;
    const attr = async (name, defaultTypeId, extra = {}) => (await as.call('POST', `/objecttypeattribute/${type.id}`, { name, type: 0, defaultTypeId, ...extra })).body.id;
    const ids = {
      Text: await attr('Note', 0), Textarea: await attr('Story', 9, { regexValidation: '^x$' }), Integer: await attr('Count', 1),
      Url: await attr('Site', 7, { regexValidation: '\\.example\\.test' }), Email: await attr('Inbox', 8, { regexValidation: '@example\\.test$' }),
    };
    const name = as.state.attributesOf(type.id).find((a) => a.name === 'Name').id;
    const write = (field, text) => as.call('POST', '/object/create', attributesBody(type.id, { [name]: `${field} ${text.slice(0, 10)}`, [ids[field]]: text }));
    for (const [field, text] of [
      ['Text', 'é'.repeat(255)], ['Textarea', 'y'.repeat(5000)], ['Integer', '-2147483648'], ['Integer', '2147483647'],
      ['Url', 'https://www.example.test/a'], ['Url', 'HTTP://www.example.test'], ['Email', 'ann@example.test'],
    ]) assert.equal((await write(field, text)).status, 201, `${field} accepts ${text.slice(0, 20)}`);
    for (const [field, text] of [
      ['Text', 'é'.repeat(256)], ['Integer', '2147483648'], ['Integer', '-2147483649'], ['Url', 'ftp://files.example.test'],
      ['Url', 'mailto:ann@example.test'], ['Url', 'https://elsewhere.test'], ['Email', 'ann@elsewhere.test'],
    ]) {
      const res = await write(field, text);
      assert.equal(res.status, 400, `${field} refuses ${text.slice(0, 20)}`);
      assert.deepEqual(Object.keys(res.body.errors), [as.state.attributes.get(ids[field]).name]);
    }
  });

  test('status takes an allowed status id; user takes an existing accountId', async () => {
    const active = as.state.statusByName('Active').id;
    const running = as.state.statusByName('Running').id;
    const res = await createUser({ [A.Status]: active, [A['Jira User']]: '712020:aaaa' });
    assert.equal(res.status, 201);
    const got = (await as.call('GET', `/object/${res.body.id}`)).body.attributes;
    const status = got.find((a) => a.objectTypeAttributeId === A.Status).objectAttributeValues[0];
    assert.deepEqual(status.status, { id: active, name: 'Active', category: 1 });
    const jira = got.find((a) => a.objectTypeAttributeId === A['Jira User']).objectAttributeValues[0];
    assert.equal(jira.user.key, '712020:aaaa');
    await expect400({ [A.Status]: 'Active' }, 'Status', /not a status id/);
    await expect400({ [A.Status]: running }, 'Status', /not allowed/);
    await expect400({ [A['Jira User']]: 'zoe@example.test' }, 'Jira User', /no Jira user/);
  });

  test('references: by key or id, to the right type, and shown as referencedObject', async () => {
    const dept = await as.call('POST', '/object/create', attributesBody(department.id, { [as.state.attributesOf(department.id).find((a) => a.name === 'Name').id]: 'Finance' }));
    const boss = await createUser({ [A.Name]: 'Boss', [A.Department]: dept.body.objectKey });
    assert.equal(boss.status, 201);
    const report = await createUser({ [A.Name]: 'Report', [A.Manager]: boss.body.id, [A.Department]: dept.body.objectKey });
    assert.equal(report.status, 201);
    await expect400({ [A.Department]: dept.body.objectKey.toLowerCase() }, 'Department', /no object/);
    const manager = (await as.call('GET', `/object/${report.body.id}`)).body.attributes.find((a) => a.objectTypeAttributeId === A.Manager).objectAttributeValues[0];
    assert.equal(manager.referencedObject.objectKey, boss.body.objectKey);
    assert.equal(manager.displayValue, 'Boss');
    assert.equal(manager.referencedType, true);
    await expect400({ [A.Manager]: dept.body.objectKey }, 'Manager', /is a Department, not a User/);
    await expect400({ [A.Manager]: 'PPL-99999' }, 'Manager', /no object/);
    const laptop = await as.call('POST', '/object/create', attributesBody(device.id, { [D.Name]: 'MBP', [D.Owner]: report.body.objectKey }));
    assert.equal(laptop.status, 201);
  });

  test('cardinality: max, min (Name is required), multi-valued references, duplicates', async () => {
    const groupType = as.demo().types.Group;
    const groupName = as.state.attributesOf(groupType.id).find((a) => a.name === 'Name').id;
    const keys = [];
    for (const name of ['g1', 'g2', 'g3']) keys.push((await as.call('POST', '/object/create', attributesBody(groupType.id, { [groupName]: name }))).body.objectKey);
    assert.equal((await createUser({ [A.Groups]: keys })).status, 201);
    await expect400({ [A.Manager]: keys.slice(0, 2) }, 'Manager', /at most 1/);
    await expect400({ [A.Groups]: [keys[0], keys[0]] }, 'Groups', /duplicate/);
    const noName = await as.call('POST', '/object/create', attributesBody(user.id, { [A.Email]: 'x@example.test' }));
    assert.equal(noName.status, 400);
    assert.match(noName.body.errors.Name, /required/);
    await expect400({ [A.Key]: 'PPL-1' }, 'Key', /system attribute/);
    const wrongAttr = await createUser({ [D.Hostname]: 'x' });
    assert.equal(wrongAttr.status, 400);
    assert.ok(wrongAttr.body.errors.objectTypeAttributeId);
  });

  test('uniqueAttribute: case-insensitive clash is 400; an object may keep its own value', async () => {
    const first = await createUser({ [A['JumpCloud ID']]: 'abc123' });
    await expect400({ [A['JumpCloud ID']]: 'ABC123' }, 'JumpCloud ID', /must be unique/);
    const put = await as.call('PUT', `/object/${first.body.id}`, attributesBody(user.id, { [A['JumpCloud ID']]: 'abc123', [A['Job Title']]: 'CTO' }));
    assert.equal(put.status, 200);
  });

  test('PUT changes only the listed attributes and replaces their values; DELETE clears references', async () => {
    const boss = await createUser({ [A.Name]: 'Old Boss' });
    const worker = await createUser({ [A.Name]: 'Worker', [A['Job Title']]: 'Engineer', [A.Manager]: boss.body.objectKey });
    const put = await as.call('PUT', `/object/${worker.body.id}`, attributesBody(user.id, { [A['Job Title']]: 'Staff Engineer' }));
    assert.equal(put.status, 200);
    const values = (body) => Object.fromEntries(body.attributes.map((a) => [a.objectTypeAttributeId, a.objectAttributeValues]));
    assert.equal(values(put.body)[A['Job Title']][0].value, 'Staff Engineer');
    assert.equal(values(put.body)[A.Manager][0].referencedObject.id, boss.body.id);
    const cleared = await as.call('PUT', `/object/${worker.body.id}`, { objectTypeId: user.id, attributes: [{ objectTypeAttributeId: A['Job Title'], objectAttributeValues: [] }] });
    assert.equal(values(cleared.body)[A['Job Title']], undefined);
    const nameless = await as.call('PUT', `/object/${worker.body.id}`, { objectTypeId: user.id, attributes: [{ objectTypeAttributeId: A.Name, objectAttributeValues: [] }] });
    assert.equal(nameless.status, 400);
    assert.equal((await as.call('DELETE', `/object/${boss.body.id}`)).status, 204);
    assert.equal((await as.call('GET', `/object/${boss.body.id}`)).status, 404);
    assert.equal((await as.call('DELETE', `/object/${boss.body.id}`)).status, 404);
    assert.equal(values((await as.call('GET', `/object/${worker.body.id}`)).body)[A.Manager], undefined);
    assert.equal((await as.call('PUT', '/object/999999', attributesBody(user.id, {}))).status, 404);
  });
});

describe('auth and Jira platform endpoints', () => {
  test('Basic auth: wrong credentials 401; app calls without Authorization are accepted', async () => {
    const wrong = `Basic ${Buffer.from(`admin@example.test:${TOKEN}x`).toString('base64')}`;
    const res = await as.raw('GET', `/jsm/assets/workspace/${as.workspaceId}/v1/objectschema/list`, undefined, { authorization: wrong });
    assert.equal(res.status, 401);
    assert.ok(Array.isArray(res.body.errorMessages));
    assert.equal((await as.raw('GET', `/jsm/assets/workspace/${as.workspaceId}/v1/objectschema/list`, undefined, {})).status, 200);
    assert.ok(!JSON.stringify(as.requests).includes(TOKEN));
    assert.ok(!JSON.stringify(as.requests).includes(BASIC.slice(6)));
  });

  test('allowAppCalls=false requires Basic auth on every request', async () => {
    const strict = await assets({ allowAppCalls: false });
    try {
      assert.equal((await strict.raw('GET', '/rest/servicedeskapi/assets/workspace', undefined, {})).status, 401);
      assert.equal((await strict.raw('GET', '/rest/servicedeskapi/assets/workspace')).status, 200);
    } finally {
      await strict.close();
    }
  });

  test('user search finds by email prefix unless the email is hidden; by display name always', async () => {
    const byEmail = await as.raw('GET', '/rest/api/3/user/search?query=zoe%40example.test');
    assert.deepEqual(byEmail.body.map((u) => u.accountId), ['712020:aaaa']);
    assert.equal(byEmail.body[0].emailAddress, 'zoe@example.test');
    assert.deepEqual((await as.raw('GET', '/rest/api/3/user/search?query=liam%40example.test')).body, []);
    const byName = await as.raw('GET', "/rest/api/3/user/search?query=O'Brien");
    assert.equal(byName.body[0].accountId, '712020:bbbb');
    assert.equal(byName.body[0].emailAddress, undefined);
    assert.equal((await as.raw('GET', '/rest/api/3/user/search')).status, 400);
  });

  test('permissions/check grants ADMINISTER to admins only', async () => {
    const check = (headers) => as.raw('POST', '/rest/api/3/permissions/check', { globalPermissions: ['ADMINISTER'] }, headers);
    assert.deepEqual((await check({ 'x-emulator-account-id': '712020:aaaa' })).body.globalPermissions, ['ADMINISTER']);
    assert.deepEqual((await check({ 'x-emulator-account-id': '712020:bbbb' })).body.globalPermissions, []);
    assert.deepEqual((await check({})).body.globalPermissions, [], 'the app is not in the admin list');
    assert.deepEqual((await check({ authorization: BASIC })).body.globalPermissions, [], 'nor is the Basic-auth user');
    const open = await assets();
    try {
      assert.deepEqual((await open.raw('POST', '/rest/api/3/permissions/check', { globalPermissions: ['ADMINISTER'] })).body.globalPermissions, ['ADMINISTER']);
    } finally {
      await open.close();
    }
  });
});
