// `tributary setup-schema` against the emulators: from an empty object schema to linked users,
// groups and devices; the seed guide's mapping as pasted; a second set-up that creates nothing;
// dry runs; conflicts reported and left alone; a mapping with errors.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { mappingFile, objectsByKey, tributary, valuesOf, world } from './helpers.js';

const examples = fileURLToPath(new URL('../../examples/', import.meta.url));

/** The CLI's world, whose Assets has one object schema, People, with no object types. */
async function emptySchemaWorld({ users = 40, seed = 5, schemas = 'empty' } = {}) {
  const w = await world({ users, seed, schemas });
  if (schemas === 'empty') w.assets.state.createSchema({ name: 'People', objectSchemaKey: 'PPL' });
  const dir = await mkdtemp(join(tmpdir(), 'tributary-schema-maps-'));
  return {
    ...w,
    file: (name, text) => mappingFile(dir, name, text),
    async close() {
      await w.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function typeNamed(assets, name) {
  return [...assets.state.objectTypes.values()].find((t) => t.name === name);
}

function attributeOf(assets, typeName, name) {
  const type = typeNamed(assets, typeName);
  return assets.state.attributesOf(type.id).find((a) => a.name === name);
}

describe('setup-schema from an empty object schema, then the example imports', () => {
  let w;
  const maps = ['groups.map', 'users-with-groups.map', 'devices.map'].map((m) => `${examples}${m}`);
  before(async () => {
    w = await emptySchemaWorld();
  });
  after(async () => w?.close());

  test('a dry run says what it would create and creates nothing', async () => {
    const before = w.assets.state.objectTypes.size;
    const r = await tributary(['setup-schema', ...maps, '--dry-run', '--json'], w.env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.dryRun, true);
    assert.deepEqual(r.json.problems, []);
    assert.ok(r.json.created.every((c) => c.id === undefined));
    assert.deepEqual(
      r.json.created.filter((c) => !c.attribute).map((c) => c.objectType).sort(),
      ['Device', 'Group', 'User'],
    );
    assert.equal(w.assets.state.objectTypes.size, before);
  });

  test('set-up creates the types and attributes with the right types, references and key', async () => {
    const r = await tributary(['setup-schema', ...maps], w.env);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /created object type User/);
    assert.match(r.stdout, /created User\.Manager: reference to User/);
    const user = typeNamed(w.assets, 'User');
    const group = typeNamed(w.assets, 'Group');
    assert.ok(user && group && typeNamed(w.assets, 'Device'));
    const key = attributeOf(w.assets, 'User', 'JumpCloud ID');
    assert.equal(key.uniqueAttribute, true);
    assert.equal(attributeOf(w.assets, 'User', 'Email').defaultTypeId, 8);
    assert.equal(attributeOf(w.assets, 'User', 'Jira User').type, 2);
    const manager = attributeOf(w.assets, 'User', 'Manager');
    assert.equal(manager.type, 1);
    assert.equal(manager.typeValue, user.id);
    const groups = attributeOf(w.assets, 'User', 'Groups');
    assert.equal(groups.typeValue, group.id);
    assert.equal(groups.maximumCardinality, -1);
    assert.equal(attributeOf(w.assets, 'Device', 'Owner').typeValue, user.id);
    assert.equal(attributeOf(w.assets, 'Device', 'Last Contact').defaultTypeId, 6);
    assert.equal(attributeOf(w.assets, 'Device', 'Active').defaultTypeId, 2);
  });

  test('a second set-up creates nothing and says everything is there', async () => {
    const types = w.assets.state.objectTypes.size;
    const attributes = w.assets.state.attributes.size;
    const r = await tributary(['setup-schema', ...maps, '--json'], w.env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json.created, []);
    assert.equal(r.json.status, 'succeeded');
    assert.ok(r.json.present > 10);
    assert.equal(w.assets.state.objectTypes.size, types);
    assert.equal(w.assets.state.attributes.size, attributes);
  });

  test('the example imports then sync into the new types, all linked', async () => {
    for (const map of maps) {
      const r = await tributary(['sync', map, '--json'], w.env);
      assert.ok(['succeeded', 'partial'].includes(r.json?.status), `${map}: ${r.stderr}${r.stdout.slice(0, 2000)}`);
      assert.equal(r.json.counts.failed, 0, `${map}: ${JSON.stringify(r.json.errors?.slice(0, 3))}`);
    }
    const tenant = w.jumpCloud.tenant;
    const users = objectsByKey(w.assets, 'User');
    assert.equal(users.size, tenant.users.length);
    const groups = objectsByKey(w.assets, 'Group');
    for (const person of tenant.users) {
      const object = users.get(person._id);
      assert.ok(object, `user ${person._id}`);
      assert.deepEqual(valuesOf(w.assets, object, 'Email'), [person.email.trim().toLowerCase()]);
      assert.deepEqual(valuesOf(w.assets, object, 'First Name'), [person.firstname]);
      if (person.manager) {
        assert.deepEqual(valuesOf(w.assets, object, 'Manager'), [users.get(person.manager).id]);
      }
      const memberOf = tenant.userGroups.filter((g) => g.members?.includes(person._id)).map((g) => groups.get(g.id)?.id);
      assert.deepEqual([...valuesOf(w.assets, object, 'Groups')].sort(), memberOf.filter(Boolean).sort());
    }
    const devices = objectsByKey(w.assets, 'Device');
    assert.equal(devices.size, tenant.systems.length);
    for (const system of tenant.systems) {
      const owner = system.primarySystemUser?.id;
      const expected = owner ? [users.get(owner).id] : [];
      assert.deepEqual(valuesOf(w.assets, devices.get(system._id), 'Owner'), expected);
    }
  });
});

describe('setup-schema on the seed guide mapping as pasted', () => {
  let w;
  before(async () => {
    w = await emptySchemaWorld({ seed: 8, users: 30 });
  });
  after(async () => w?.close());

  test('set-up then sync writes every user with every mapped value, exit 0', async () => {
    const text = 'key:_id=id\nmap:firstname=First Name\nmap:lastname=Last Name\nmap:email=Email\nmap:username=User Name\nmap:manager=Manager Name\nmap:jobTitle=Job Title\nconfig:api=systemusers\nconfig:objectSchema=People\nconfig:objectType=Person\n';
    const file = await w.file('guide.map', text);
    const setup = await tributary(['setup-schema', file, '--json'], w.env);
    assert.equal(setup.code, 0, setup.stderr + setup.stdout);
    // Nobody maps Name, which Assets makes required: another attribute becomes the label.
    assert.deepEqual(setup.json.labels, [{ objectSchema: 'People', objectType: 'Person', attribute: 'User Name' }]);
    assert.equal(attributeOf(w.assets, 'Person', 'User Name').label, true);
    assert.equal(attributeOf(w.assets, 'Person', 'Name').minimumCardinality, 0);
    assert.equal(attributeOf(w.assets, 'Person', 'id').uniqueAttribute, true);

    const sync = await tributary(['sync', file, '--json'], w.env);
    assert.equal(sync.code, 0, sync.stderr + JSON.stringify(sync.json?.errors?.slice(0, 3)));
    assert.equal(sync.json.status, 'succeeded');
    const people = objectsByKey(w.assets, 'Person', 'id');
    assert.equal(people.size, w.jumpCloud.tenant.users.length);
    for (const person of w.jumpCloud.tenant.users) {
      const object = people.get(person._id);
      assert.deepEqual(valuesOf(w.assets, object, 'User Name'), [person.username]);
      assert.deepEqual(valuesOf(w.assets, object, 'Job Title'), person.jobTitle ? [person.jobTitle] : []);
      assert.deepEqual(valuesOf(w.assets, object, 'Manager Name'), person.manager ? [person.manager] : []);
    }
  });
});

describe('setup-schema against a schema that has its own ideas', () => {
  let w;
  before(async () => {
    w = await emptySchemaWorld({ schemas: 'demo', users: 10 });
  });
  after(async () => w?.close());

  test('an attribute of another type is reported, left alone, and the rest is made (exit 1)', async () => {
    const text = 'key:_id=JumpCloud ID\nmap:manager=Manager|attributeType=text\nmap:costCenter=Cost Centre\nconfig:objectSchema=People\nconfig:objectType=User\n';
    const file = await w.file('odd.map', text);
    const before = attributeOf(w.assets, 'User', 'Manager');
    const r = await tributary(['setup-schema', file, '--json'], w.env);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.json.status, 'partial');
    assert.deepEqual(r.json.created.map((c) => c.attribute), ['Cost Centre']);
    assert.equal(r.json.problems.length, 1);
    assert.equal(r.json.problems[0].attribute, 'Manager');
    assert.match(r.json.problems[0].message, /exists as reference to User/);
    const after = attributeOf(w.assets, 'User', 'Manager');
    assert.equal(after.type, 1);
    assert.equal(after.typeValue, before.typeValue);
    // Words for people, without --json.
    const again = await tributary(['setup-schema', file], w.env);
    assert.equal(again.code, 1);
    assert.match(again.stdout, /User\.Manager: Manager exists as reference to User/);
  });

  test('a schema that does not exist is a problem, not a creation (exit 1)', async () => {
    const file = await w.file('nowhere.map', 'key:_id=JumpCloud ID\nconfig:objectSchema=Nowhere\nconfig:objectType=User\n');
    const r = await tributary(['setup-schema', file, '--json'], w.env);
    assert.equal(r.code, 1);
    assert.equal(r.json.status, 'failed');
    assert.match(r.json.problems[0].message, /no object schema "Nowhere"/);
  });

  test('a mapping with errors stops before anything is read, with its diagnostics (exit 2)', async () => {
    const file = await w.file('broken.map', 'key:_id=JumpCloud ID\nmap:email=Jira User|attributeType=usr\nconfig:objectSchema=People\nconfig:objectType=User\n');
    const requests = w.assets.requests.length;
    const r = await tributary(['setup-schema', file], w.env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown attribute type 'usr'/);
    assert.match(r.stderr, /broken\.map:2/);
    assert.equal(w.assets.requests.length, requests);
  });
});
