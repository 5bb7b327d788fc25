// Preview = run: on the same state, `tributary preview --json` predicts what `tributary sync
// --json` then does, record by record, for every cause Assets refuses a write for (required
// values, formats, select options, statuses, references not found or ambiguous, unique
// clashes within the source and against Assets, cardinality). The run sends no write the plan
// knew would fail, writes the good records, and the emulator (which refuses what Assets
// refuses) proves the predictions right: the final state is checked object by object.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { assetsWrites, mappingFile, objectsByKey, tributary, valuesOf, world } from './helpers.js';

const MAPPING = `key:_id=JumpCloud ID
map:displayname=Name
map:email=Email
map:employeeIdentifier=Employee ID
map:attributes[name=badgeNumber].value=Badge
map:employeeType=Employment Type
map:description=Status
map:department=Department|Name=\${department}
map:manager=Manager|byKey
map:alternateEmail=Aliases|split=,
config:api=systemusers
config:objectSchema=People
config:objectType=User
`;

/** The counts preview and run must agree on. */
const COMPARED = ['created', 'updated', 'unchanged', 'failed', 'marked', 'deleted'];
const counts = (report) => Object.fromEntries(COMPARED.map((name) => [name, report.counts[name]]));
const errorKeys = (report) => [...new Set(report.errors.map((e) => e.key))].sort();
const sorted = (keys) => [...keys].sort();

describe('preview = run, for every cause Assets refuses a write for', () => {
  let w;
  let dir;
  let file;
  let users;
  let ids;
  const role = {};

  /** Adds to the demo User type what the mapping needs: a required patterned id, an Integer, a bounded multi-valued Email; Email becomes unique. */
  function shapeAssets() {
    const ws = w.assets.state;
    const types = Object.fromEntries([...ws.objectTypes.values()].map((t) => [t.name, t]));
    const userType = types.User;
    ws.createAttribute(userType.id, { name: 'Employee ID', type: 0, defaultTypeId: 0, minimumCardinality: 1, regexValidation: '^E[0-9]{5}$' });
    ws.createAttribute(userType.id, { name: 'Badge', type: 0, defaultTypeId: 1 });
    ws.createAttribute(userType.id, { name: 'Aliases', type: 0, defaultTypeId: 8, maximumCardinality: 2 });
    const attribute = (type, name) => ws.attributesOf(type.id).find((a) => a.name === name);
    attribute(userType, 'Email').uniqueAttribute = true;
    const create = (type, values) => ws.createObject({
      objectTypeId: type.id,
      attributes: Object.entries(values).map(([name, value]) => ({ objectTypeAttributeId: attribute(type, name).id, objectAttributeValues: [{ value }] })),
    });
    const finance = create(types.Department, { Name: 'Finance' });
    create(types.Department, { Name: 'Sales' });
    create(types.Department, { Name: 'Sales' });
    // Made by hand (no JumpCloud ID): it holds an email a source record also has.
    const handMade = create(userType, { Name: 'Front desk', 'Employee ID': 'E99999', Email: 'taken@example.test' });
    return { finance, handMade, statuses: { active: ws.statusByName('Active').id, inactive: ws.statusByName('Inactive').id } };
  }

  before(async () => {
    w = await world({ users: 20, seed: 31 });
    dir = await mkdtemp(join(tmpdir(), 'tributary-preview-run-'));
    file = await mappingFile(dir, 'people.map', MAPPING);
    ids = shapeAssets();
    users = w.tenant.users;
    // Every record valid to start with: one department, no managers, no statuses, no aliases.
    for (const user of users) {
      w.tenant.update('user', user._id, { department: 'Finance', manager: null, description: '', alternateEmail: '' });
    }
    const cast = {
      requiredMissing: { employeeIdentifier: '' },
      requiredBadFormat: { employeeIdentifier: 'X-1' },
      uniqueFirst: { email: 'shared@example.test' },
      uniqueSecond: { email: 'SHARED@example.test' },
      uniqueTaken: { email: 'taken@example.test' },
      badInteger: { attributes: [{ name: 'badgeNumber', value: 'n/a' }] },
      badSelect: { employeeType: 'Intern' },
      statusNotAllowed: { description: 'Pending' },
      statusUnknown: { description: 'Retired' },
      referenceNotFound: { department: 'Nowhere' },
      referenceAmbiguous: { department: 'Sales' },
      tooManyValues: { alternateEmail: 'a@example.test,b@example.test,c@example.test' },
      // Its manager is the record whose required value is missing: never created.
      managerNotWritten: { manager: users[1]._id },
      goodWithStatus: { description: 'Active', alternateEmail: 'x@example.test,y@example.test' },
    };
    Object.keys(cast).forEach((name, i) => {
      role[name] = users[i + 1];
      w.tenant.update('user', users[i + 1]._id, cast[name]);
    });
  });
  after(async () => {
    await w?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const keysOf = (...names) => sorted(names.map((name) => role[name]._id));
  const FAILED = ['requiredMissing', 'requiredBadFormat', 'uniqueSecond', 'uniqueTaken'];
  const INCOMPLETE = ['badInteger', 'badSelect', 'statusNotAllowed', 'statusUnknown', 'referenceNotFound', 'referenceAmbiguous', 'tooManyValues', 'managerNotWritten'];

  /** Preview then sync on the same state: same counts, same error keys; returns both. */
  async function previewThenSync() {
    const from = w.assets.requests.length;
    const preview = await tributary(['preview', file, '--json'], w.env);
    assert.ok(preview.json, preview.stderr + preview.stdout.slice(0, 2000));
    assert.deepEqual(assetsWrites(w.assets, from), { create: 0, update: 0, delete: 0 }, 'a preview writes nothing');
    const run = await tributary(['sync', file, '--json'], w.env);
    assert.ok(run.json, run.stderr + run.stdout.slice(0, 2000));
    assert.deepEqual(counts(run.json), counts(preview.json), JSON.stringify({ preview: preview.json.errors, run: run.json.errors }));
    assert.deepEqual(errorKeys(run.json), errorKeys(preview.json));
    assert.equal(run.json.status, preview.json.status);
    const refused = w.assets.requests.slice(from).filter((r) => ['POST', 'PUT'].includes(r.method) && r.status >= 400);
    assert.deepEqual(refused.map((r) => `${r.method} ${r.path} ${r.status}`), [], 'the run sent no write Assets refused');
    return { preview: preview.json, run: run.json, previewCode: preview.code, runCode: run.code };
  }

  test('a first sync: the good records are written, the bad ones fail or go without the refused value, as the preview said', async () => {
    const { preview, run, runCode } = await previewThenSync();
    assert.equal(run.status, 'partial');
    assert.equal(runCode, 1);
    assert.deepEqual(counts(run), { created: users.length - FAILED.length, updated: 0, unchanged: 0, failed: FAILED.length, marked: 0, deleted: 0 });
    assert.equal(run.counts.incomplete, INCOMPLETE.length);
    assert.deepEqual(errorKeys(run), keysOf(...FAILED, ...INCOMPLETE));
    assert.deepEqual(sorted(preview.plan.creates.map((c) => c.key)), sorted(users.filter((u) => !keysOf(...FAILED).includes(u._id)).map((u) => u._id)));
    const message = (name, attribute) => run.errors.find((e) => e.key === role[name]._id && e.attribute === attribute)?.message ?? '';
    assert.match(message('requiredMissing', 'Employee ID'), /Employee ID is required .* the new object would have 0; Assets refuses that/);
    assert.match(message('requiredBadFormat', 'Employee ID'), /does not match the pattern/);
    assert.match(message('uniqueSecond', 'Email'), /Email must be unique and record \w+, earlier in the source, has/);
    assert.match(message('uniqueTaken', 'Email'), new RegExp(`${ids.handMade.objectKey} already has "taken@example.test"`));
    assert.match(message('badInteger', 'Badge'), /'n\/a' is not a whole number/);
    assert.match(message('badSelect', 'Employment Type'), /'Intern' is not one of the options/);
    assert.match(message('statusNotAllowed', 'Status'), /is not allowed/);
    assert.match(message('statusUnknown', 'Status'), /"Retired" is not an Assets status/);
    assert.match(message('referenceNotFound', 'Department'), /has Name = "Nowhere"; the reference was left out/);
    assert.match(message('referenceAmbiguous', 'Department'), /2 objects of type \d+ have Name = "Sales"; none was chosen/);
    assert.match(message('tooManyValues', 'Aliases'), /Aliases takes at most 2 values, got 3: .*; it was left out/);
    assert.match(message('managerNotWritten', 'Manager'), /cannot be referenced: that record is not written/);

    const objects = objectsByKey(w.assets, 'User');
    assert.equal(objects.size, users.length - FAILED.length);
    for (const name of FAILED) assert.ok(!objects.has(role[name]._id), `${name} was not written`);
    const value = (name, attribute) => valuesOf(w.assets, objects.get(role[name]._id), attribute);
    assert.deepEqual(value('uniqueFirst', 'Email'), ['shared@example.test'], 'the first in source order keeps the value');
    assert.deepEqual(valuesOf(w.assets, ids.handMade, 'Email'), ['taken@example.test'], 'the holder keeps its value');
    assert.deepEqual(value('badInteger', 'Badge'), []);
    assert.deepEqual(value('badSelect', 'Employment Type'), []);
    assert.deepEqual(value('statusNotAllowed', 'Status'), []);
    assert.deepEqual(value('statusUnknown', 'Status'), []);
    assert.deepEqual(value('referenceNotFound', 'Department'), []);
    assert.deepEqual(value('referenceAmbiguous', 'Department'), []);
    assert.deepEqual(value('tooManyValues', 'Aliases'), []);
    assert.deepEqual(value('managerNotWritten', 'Manager'), []);
    // Each partly written record keeps everything else.
    for (const name of INCOMPLETE) {
      const user = role[name];
      assert.deepEqual(value(name, 'Name'), [user.displayname], name);
      assert.deepEqual(value(name, 'Employee ID'), [user.employeeIdentifier], name);
    }
    assert.deepEqual(value('goodWithStatus', 'Status'), [ids.statuses.active]);
    assert.deepEqual(value('goodWithStatus', 'Aliases'), ['x@example.test', 'y@example.test']);
    const good = users.filter((u) => !keysOf(...FAILED, ...INCOMPLETE).includes(u._id));
    assert.equal(good.length, users.length - FAILED.length - INCOMPLETE.length);
    for (const user of good) {
      const object = objects.get(user._id);
      const badge = user.attributes.find((a) => a.name === 'badgeNumber').value;
      assert.deepEqual(valuesOf(w.assets, object, 'Name'), [user.displayname]);
      assert.deepEqual(valuesOf(w.assets, object, 'Email'), [user.email]);
      assert.deepEqual(valuesOf(w.assets, object, 'Employee ID'), [user.employeeIdentifier]);
      assert.deepEqual(valuesOf(w.assets, object, 'Badge'), [badge]);
      assert.deepEqual(valuesOf(w.assets, object, 'Employment Type'), [user.employeeType]);
      assert.deepEqual(valuesOf(w.assets, object, 'Department'), [ids.finance.id]);
    }
  });

  test('the data fixed: preview and run agree again, and a clean run succeeds (exit 0)', async () => {
    const fixes = {
      requiredMissing: { employeeIdentifier: 'E20001' },
      requiredBadFormat: { employeeIdentifier: 'E20002' },
      uniqueSecond: { email: 'second@example.test' },
      uniqueTaken: { email: 'mine@example.test' },
      badInteger: { attributes: [{ name: 'badgeNumber', value: '777' }] },
      badSelect: { employeeType: 'Contractor' },
      statusNotAllowed: { description: 'Inactive' },
      statusUnknown: { description: 'Active' },
      referenceNotFound: { department: 'Finance' },
      referenceAmbiguous: { department: 'Finance' },
      tooManyValues: { alternateEmail: 'a@example.test,b@example.test' },
    };
    for (const [name, patch] of Object.entries(fixes)) w.tenant.update('user', role[name]._id, patch);
    const { preview, run, previewCode, runCode } = await previewThenSync();
    assert.equal(preview.status, 'succeeded');
    assert.equal(previewCode, 0);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.errors));
    assert.equal(runCode, 0);
    assert.deepEqual(counts(run), {
      created: FAILED.length, updated: INCOMPLETE.length, unchanged: users.length - FAILED.length - INCOMPLETE.length,
      failed: 0, marked: 0, deleted: 0,
    });
    assert.deepEqual(run.errors, []);
    const objects = objectsByKey(w.assets, 'User');
    assert.equal(objects.size, users.length);
    const value = (name, attribute) => valuesOf(w.assets, objects.get(role[name]._id), attribute);
    assert.deepEqual(value('requiredMissing', 'Employee ID'), ['E20001']);
    assert.deepEqual(value('uniqueSecond', 'Email'), ['second@example.test']);
    assert.deepEqual(value('badInteger', 'Badge'), ['777']);
    assert.deepEqual(value('badSelect', 'Employment Type'), ['Contractor']);
    assert.deepEqual(value('statusNotAllowed', 'Status'), [ids.statuses.inactive]);
    assert.deepEqual(value('referenceAmbiguous', 'Department'), [ids.finance.id]);
    assert.deepEqual(value('tooManyValues', 'Aliases'), ['a@example.test', 'b@example.test']);
    assert.deepEqual(value('managerNotWritten', 'Manager'), [objects.get(role.requiredMissing._id).id]);
  });

  test('updates Assets would refuse (a required value cleared, a unique value taken) fail in preview and run alike and change nothing', async () => {
    const [clearer, taker, owner, mover] = users.slice(16, 20);
    w.tenant.update('user', clearer._id, { employeeIdentifier: '' });
    w.tenant.update('user', taker._id, { email: owner.email, employeeType: 'Contractor' });
    w.tenant.update('user', mover._id, { jobTitle: 'unmapped', attributes: [{ name: 'badgeNumber', value: '4242' }] });
    const before = objectsByKey(w.assets, 'User');
    const kept = { clearer: valuesOf(w.assets, before.get(clearer._id), 'Employee ID'), taker: valuesOf(w.assets, before.get(taker._id), 'Email') };
    const { run, runCode } = await previewThenSync();
    assert.equal(run.status, 'partial');
    assert.equal(runCode, 1);
    assert.deepEqual(counts(run), { created: 0, updated: 1, unchanged: users.length - 3, failed: 2, marked: 0, deleted: 0 });
    assert.deepEqual(errorKeys(run), sorted([clearer._id, taker._id]));
    assert.match(run.errors.find((e) => e.key === clearer._id).message, /Employee ID is required .* after the update would have 0/);
    assert.match(run.errors.find((e) => e.key === taker._id).message, /Email must be unique and \w+-\d+ already has/);
    const objects = objectsByKey(w.assets, 'User');
    assert.deepEqual(valuesOf(w.assets, objects.get(clearer._id), 'Employee ID'), kept.clearer);
    assert.deepEqual(valuesOf(w.assets, objects.get(taker._id), 'Email'), kept.taker);
    assert.notDeepEqual(valuesOf(w.assets, objects.get(taker._id), 'Employment Type'), ['Contractor'], 'a refused update writes none of its changes');
    assert.deepEqual(valuesOf(w.assets, objects.get(mover._id), 'Badge'), ['4242']);
  });

  test('marking leavers with a status the attribute does not allow fails preview and run alike, before any write (E108)', async () => {
    const marking = await mappingFile(dir, 'marking.map', `${MAPPING}config:missing=mark|Status=Pending\n`);
    const from = w.assets.requests.length;
    const preview = await tributary(['preview', marking, '--json'], w.env);
    const run = await tributary(['sync', marking, '--json'], w.env);
    for (const r of [preview, run]) {
      assert.equal(r.json?.status, 'failed', r.stderr + r.stdout.slice(0, 1000));
      assert.equal(r.json.error.code, 'E108');
      assert.match(r.json.message, /config:missing sets Status to "Pending": status id \d+ is not allowed here/);
    }
    assert.equal(run.code, preview.code);
    assert.deepEqual(assetsWrites(w.assets, from), { create: 0, update: 0, delete: 0 });
  });

  test('every request was valid against the vendor specs', () => {
    assert.deepEqual(w.violations(), []);
  });
});
