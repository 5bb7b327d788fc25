// `|createMissing` through the CLI against the emulators: from an empty object schema,
// setup-schema makes the Department type and reference; the preview lists the departments it
// would create and creates nothing; the run creates each department once (named from the
// users' values) and links every user to theirs; a re-run creates and writes nothing; a new
// department value in JumpCloud makes one more object.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assetsWrites, mappingFile, objectsByKey, tributary, valuesOf, world } from './helpers.js';

const USERS = fileURLToPath(new URL('../../examples/users.map', import.meta.url));

let w;
let dir;
let file;

const departmentNames = () => [...objectsByKey(w.assets, 'Department', 'Name').keys()].sort();
const tenantDepartments = () => [...new Set(w.tenant.users.map((u) => u.department).filter(Boolean))].sort();

before(async () => {
  w = await world({ users: 40, seed: 12, schemas: 'empty' });
  w.assets.state.createSchema({ name: 'People', objectSchemaKey: 'PPL' });
  dir = await mkdtemp(join(tmpdir(), 'tributary-create-missing-'));
  const text = `${await readFile(USERS, 'utf8')}map:department=Department|Name=\${department}|createMissing|objectType=Department\n`;
  file = await mappingFile(dir, 'users.map', text);
  const setup = await tributary(['setup-schema', file, '--json'], w.env);
  assert.equal(setup.code, 0, setup.stdout + setup.stderr);
});

after(async () => {
  await w?.close();
  await rm(dir, { recursive: true, force: true });
});

test('the preview lists the departments it would create and creates nothing', async () => {
  const from = w.assets.requests.length;
  const r = await tributary(['preview', file, '--json'], w.env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(report.referencesCreated.map((c) => c.value).sort(), tenantDepartments());
  assert.ok(report.referencesCreated.every((c) => c.objectKey === undefined && c.attribute === 'Name'));
  assert.equal(report.counts.failed, 0);
  assert.deepEqual(assetsWrites(w.assets, from), { create: 0, update: 0, delete: 0 });
  assert.deepEqual(departmentNames(), []);
});

test('the run creates each department once and links every user to theirs', async () => {
  const r = await tributary(['sync', file, '--json'], w.env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.status, 'succeeded', JSON.stringify(report.errors));
  assert.deepEqual(departmentNames(), tenantDepartments());
  const departments = objectsByKey(w.assets, 'Department', 'Name');
  assert.deepEqual(report.referencesCreated.map((c) => c.objectKey).sort(),
    [...departments.values()].map((d) => d.objectKey).sort());
  const users = objectsByKey(w.assets, 'User');
  for (const person of w.tenant.users) {
    const expected = person.department ? [departments.get(person.department).id] : [];
    assert.deepEqual(valuesOf(w.assets, users.get(person._id), 'Department'), expected, person._id);
  }
});

test('a re-run creates and writes nothing; a new department value makes one more object', async () => {
  let from = w.assets.requests.length;
  let r = await tributary(['sync', file, '--json'], w.env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(JSON.parse(r.stdout).referencesCreated, undefined);
  assert.deepEqual(assetsWrites(w.assets, from), { create: 0, update: 0, delete: 0 });

  const moved = w.tenant.users.filter((u) => u.department)[0];
  moved.department = 'Facilities & "Ops"';
  from = w.assets.requests.length;
  r = await tributary(['sync', file, '--json'], w.env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).referencesCreated.map((c) => c.value), ['Facilities & "Ops"']);
  assert.deepEqual(assetsWrites(w.assets, from), { create: 1, update: 1, delete: 0 });
  const departments = objectsByKey(w.assets, 'Department', 'Name');
  const users = objectsByKey(w.assets, 'User');
  assert.deepEqual(valuesOf(w.assets, users.get(moved._id), 'Department'), [departments.get('Facilities & "Ops"').id]);
});
