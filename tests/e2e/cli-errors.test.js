// Refusals an admin can act on, through the CLI against the emulators: a multi-tenant key
// without its organization id, a wrong API key, a wrong Jira token; and the field paths
// *Fetch Sample* offers for click-to-map.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { API_KEY, TOKEN, tributary, world } from './helpers.js';

const USERS = fileURLToPath(new URL('../../examples/users.map', import.meta.url));
const ORG_ID = '5f1b2c3d4e5f6a7b8c9d0e1f';

describe('refusals say who refused and what to set', () => {
  let w;
  let env;
  before(async () => {
    w = await world({ seed: 2, users: 12, orgId: ORG_ID });
    env = w.env;
  });
  after(async () => w?.close());

  test('a multi-tenant key without the organization id says to set it', async () => {
    const r = await tributary(['sample', USERS], env);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /multi-tenant/);
    assert.match(r.stderr, /JUMPCLOUD_ORG_ID/);
    assert.ok(!r.stderr.includes(API_KEY), 'the key is never printed');
  });

  test('with the organization id the sample reads, and lists the field paths', async () => {
    const r = await tributary(['sample', USERS, '--json', '--limit', '3'], { ...env, JUMPCLOUD_ORG_ID: ORG_ID });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.records.length, 3);
    for (const path of ['_id', 'email', 'addresses.locality', 'jobTitle']) assert.ok(report.fields.includes(path), path);
    assert.deepEqual(report.fields, [...report.fields].sort());
  });

  test('a wrong API key names JumpCloud and the key to check', async () => {
    const r = await tributary(['sample', USERS], { ...env, JUMPCLOUD_API_KEY: 'not-the-key', JUMPCLOUD_ORG_ID: ORG_ID });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /JumpCloud refused the API key/);
    assert.ok(!r.stderr.includes('not-the-key'));
  });

  test('a wrong Jira token names Jira and the variables to check', async () => {
    const r = await tributary(['preview', USERS], { ...env, JUMPCLOUD_ORG_ID: ORG_ID, JIRA_API_TOKEN: 'wrong-token' });
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /Jira refused the credentials/);
    assert.ok(!(r.stdout + r.stderr).includes('wrong-token'));
  });
});
