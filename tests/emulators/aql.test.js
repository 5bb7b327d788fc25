import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AqlError, parseAql } from '../../dev/emulators/aql.js';
import { assets, attributesBody } from './helpers.js';

let as;
let keys; // objectKey by Name
before(async () => {
  as = await assets({ jira: { users: [{ accountId: '712020:aaaa', displayName: 'Zoë Müller', emailAddress: 'zoe@example.test' }] } });
  const { types, attrs } = as.demo();
  const U = attrs('User');
  const depName = attrs('Department').Name;
  const finance = (await as.call('POST', '/object/create', attributesBody(types.Department.id, { [depName]: 'Finance' }))).body.objectKey;
  keys = { Finance: finance };
  const people = [
    ['Ada', 'jc-1', 'Engineer', { [U.Status]: as.state.statusByName('Active').id }],
    ['Bob "The Builder"', 'jc-2', 'Builder', { [U.Department]: finance }],
    ['Chloé', 'jc-3', 'CFO', { [U.Department]: finance, [U['Jira User']]: '712020:aaaa' }],
    ['back\\slash', 'jc-4', 'Engineer', {}],
  ];
  for (const [name, jcId, title, extra] of people) {
    const res = await as.call('POST', '/object/create', attributesBody(types.User.id, { [U.Name]: name, [U['JumpCloud ID']]: jcId, [U['Job Title']]: title, ...extra }));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    keys[name] = res.body.objectKey;
  }
  const userType = types.User.id;
  keys.userTypeId = userType;
});
after(() => as.close());

const aql = async (qlQuery, params = '') => as.call('POST', `/object/aql${params}`, { qlQuery });
const labels = async (qlQuery) => {
  const res = await aql(qlQuery);
  assert.equal(res.status, 200, `${qlQuery}: ${JSON.stringify(res.body)}`);
  return res.body.values.map((o) => o.label).sort();
};

test('objectType, objectTypeId, attribute equality, AND / OR / parentheses', async () => {
  assert.deepEqual(await labels('objectType = User'), ['Ada', 'Bob "The Builder"', 'Chloé', 'back\\slash']);
  assert.deepEqual(await labels(`objectTypeId = ${keys.userTypeId} AND "Job Title" = Engineer`), ['Ada', 'back\\slash']);
  assert.deepEqual(await labels('objectType = "User" AND ("JumpCloud ID" = "jc-1" OR "JumpCloud ID" = "jc-3")'), ['Ada', 'Chloé']);
  assert.deepEqual(await labels('objectType = User AND "Job Title" = Engineer OR Name = Chloé'), ['Ada', 'Chloé', 'back\\slash']);
  assert.deepEqual(await labels('objectType = user and "job title" = ENGINEER'), ['Ada', 'back\\slash'], 'case-insensitive');
  assert.deepEqual(await labels('"Job Title" == engineer'), [], '== is case-sensitive');
  assert.deepEqual(await labels('objectType = User AND "Job Title" != Engineer'), ['Bob "The Builder"', 'Chloé']);
});

test('IN, NOT IN, Key / objectKey, label, LIKE, IS EMPTY', async () => {
  assert.deepEqual(await labels('"JumpCloud ID" IN ("jc-2", "jc-4", "missing")'), ['Bob "The Builder"', 'back\\slash']);
  assert.deepEqual(await labels('objectType = User AND "JumpCloud ID" NOT IN ("jc-2", "jc-4")'), ['Ada', 'Chloé']);
  assert.deepEqual(await labels(`Key = ${keys.Ada}`), ['Ada']);
  assert.deepEqual(await labels(`objectKey IN ("${keys.Ada}", "${keys['Chloé']}")`), ['Ada', 'Chloé']);
  assert.deepEqual(await labels('label = "chloé"'), ['Chloé']);
  assert.deepEqual(await labels('objectType = User AND Name LIKE build'), ['Bob "The Builder"']);
  assert.deepEqual(await labels('objectType = User AND Department IS EMPTY'), ['Ada', 'back\\slash']);
  assert.deepEqual(await labels('objectType = User AND Department IS NOT EMPTY'), ['Bob "The Builder"', 'Chloé']);
});

test('quoting: \\" and \\\\ escapes in names and values', async () => {
  assert.deepEqual(await labels('Name = "Bob \\"The Builder\\""'), ['Bob "The Builder"']);
  assert.deepEqual(await labels('Name = "back\\\\slash"'), ['back\\slash']);
});

test('references match the label or key; status by name; user by accountId', async () => {
  assert.deepEqual(await labels('Department = Finance'), ['Bob "The Builder"', 'Chloé']);
  assert.deepEqual(await labels(`Department = ${keys.Finance}`), ['Bob "The Builder"', 'Chloé']);
  assert.deepEqual(await labels('Status = Active'), ['Ada']);
  assert.deepEqual(await labels('"Jira User" = "712020:aaaa"'), ['Chloé']);
});

test('paging: startAt, maxResults, isLast, total; includeAttributes', async () => {
  const first = await aql('objectType = User', '?startAt=0&maxResults=3');
  assert.equal(first.body.values.length, 3);
  assert.equal(first.body.isLast, false);
  assert.equal(first.body.total, 4);
  assert.ok(first.body.values[0].attributes.length > 0);
  assert.ok(first.body.objectTypeAttributes.length > 0);
  const second = await aql('objectType = User', '?startAt=3&maxResults=3&includeAttributes=false');
  assert.equal(second.body.values.length, 1);
  assert.equal(second.body.isLast, true);
  assert.equal(second.body.last, true);
  assert.equal(second.body.values[0].attributes, undefined);
  assert.deepEqual([...first.body.values, ...second.body.values].map((o) => o.id), (await aql('objectType = User', '?maxResults=50')).body.values.map((o) => o.id));
  assert.equal((await aql('objectType = User', '?maxResults=abc')).status, 400);
});

test('ORDER BY', async () => {
  const res = await aql('objectType = User ORDER BY "JumpCloud ID" DESC');
  assert.deepEqual(res.body.values.map((o) => o.label), ['back\\slash', 'Chloé', 'Bob "The Builder"', 'Ada']);
});

test('anything outside the subset is a 400 naming the problem', async () => {
  const bad = [
    ['objectType = User AND', /expected an attribute name/],
    ['"Name" = "unterminated', /unterminated/],
    ['Name = "a\\nb"', /unsupported escape/],
    ['Nonexistent = x', /does not exist/],
    ['"Manager".Name = x', /dot notation/],
    ['Manager.Name = x', /dot notation/],
    ['Name startsWith x', /expected an operator/],
    ['Created > now(-1d)', /not supported/],
    ['object HAVING inboundReferences()', /not supported|expected/],
    ['Name = a )', /unexpected/],
    ['Name IN (a, b', /expected "\)"/],
    ['', /non-empty/],
  ];
  for (const [query, pattern] of bad) {
    const res = await aql(query);
    assert.equal(res.status, 400, query);
    assert.deepEqual(Object.keys(res.body).sort(), ['errorMessages', 'errors']);
    assert.match(res.body.errors.iql, pattern, query);
  }
  assert.equal((await as.call('POST', '/object/aql', {})).status, 400);
});

test('parseAql gives a tree for the documented lookup pattern', () => {
  const tree = parseAql('objectTypeId = 12 AND "JumpCloud ID" IN ("a","b")');
  assert.equal(tree.where.type, 'and');
  assert.deepEqual(tree.where.parts[1], { type: 'in', lhs: { attribute: 'JumpCloud ID', at: 22 }, values: ['a', 'b'], negate: false });
  assert.throws(() => parseAql('a = '), AqlError);
});
