// Values of one record through another, through the CLI against the emulators: each user's
// object gets the Jira account of its manager (`|byKey|copy=Jira User`), so a JSM approval
// step can route to "the reporter's manager" straight from Assets; a re-run writes nothing,
// and a new manager is copied in the same run that changes it.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { assetsWrites, mappingFile, objectsByKey, tributary, valuesOf, world } from './helpers.js';

const USERS = fileURLToPath(new URL('../../examples/users.map', import.meta.url));

let w;
let dir;
let file;

before(async () => {
  w = await world({ users: 40, seed: 9 });
  const user = [...w.assets.state.objectTypes.values()].find((t) => t.name === 'User');
  w.assets.state.createAttribute(user.id, { name: 'Manager Jira User', type: 2 });
  dir = await mkdtemp(join(tmpdir(), 'tributary-copy-'));
  const text = `${await readFile(USERS, 'utf8')}map:manager=Manager Jira User|byKey|copy=Jira User\n`;
  file = await mappingFile(dir, 'users.map', text);
});

after(async () => {
  await w?.close();
  await rm(dir, { recursive: true, force: true });
});

function expectManagersAccounts() {
  const users = objectsByKey(w.assets, 'User');
  let copied = 0;
  for (const person of w.tenant.users) {
    const object = users.get(person._id);
    const manager = person.manager ? users.get(person.manager) : undefined;
    const expected = manager ? valuesOf(w.assets, manager, 'Jira User') : [];
    assert.deepEqual(valuesOf(w.assets, object, 'Manager Jira User'), expected, person._id);
    if (expected.length) copied += 1;
  }
  assert.ok(copied > 5, `some managers have Jira accounts (${copied})`);
}

test('validate accepts the copy row against the object type', async () => {
  const attributes = join(dir, 'attrs.json');
  const user = [...w.assets.state.objectTypes.values()].find((t) => t.name === 'User');
  await writeFile(attributes, JSON.stringify(w.assets.state.attributesOf(user.id).map((a) => ({
    id: a.id, name: a.name, type: a.type, defaultType: a.type === 0 ? { id: a.defaultTypeId } : undefined,
    referenceObjectTypeId: a.typeValue, editable: a.editable, system: a.system,
    minimumCardinality: a.minimumCardinality, maximumCardinality: a.maximumCardinality,
  }))));
  const r = await tributary(['validate', file, '--attributes', attributes], w.env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test('each user gets the Jira account of its manager', async () => {
  const r = await tributary(['sync', file, '--json'], w.env);
  assert.equal(r.json?.counts.failed, 0, r.stderr + JSON.stringify(r.json?.errors?.slice(0, 3)));
  expectManagersAccounts();
});

test('a re-run writes nothing; a new manager is copied in the run that changes it', async () => {
  const from = w.assets.requests.length;
  const again = await tributary(['sync', file, '--json'], w.env);
  assert.deepEqual(assetsWrites(w.assets, from), { create: 0, update: 0, delete: 0 }, JSON.stringify(again.json?.counts));
  const users = objectsByKey(w.assets, 'User');
  const managers = w.tenant.users.filter((u) => users.get(u._id) && valuesOf(w.assets, users.get(u._id), 'Jira User').length);
  const [moved] = w.tenant.users.filter((u) => u.state === 'ACTIVATED' && u.manager !== managers[0]._id && u._id !== managers[0]._id);
  w.tenant.promote(moved._id, { managerId: managers[0]._id });
  const r = await tributary(['sync', file, '--json'], w.env);
  assert.equal(r.json?.counts.failed, 0, r.stderr);
  expectManagersAccounts();
});
