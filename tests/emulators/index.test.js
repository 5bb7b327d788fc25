import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulators } from '../../dev/emulators/index.js';

test('startEmulators wires the tenant to matching Jira accounts and closes both', async () => {
  const pair = await startEmulators({ seed: 4, users: 25, apiKey: 'k', assets: { quotas: false } });
  try {
    const someone = pair.tenant.users.find((u) => u.state === 'ACTIVATED');
    const found = await fetch(`${pair.assets.url}/rest/api/3/user/search?query=${encodeURIComponent(someone.displayname.split(' ')[0])}`).then((r) => r.json());
    assert.ok(found.some((u) => u.displayName === someone.displayname));
    const page = await fetch(`${pair.jumpCloud.url}/api/systemusers?limit=1`, { headers: { 'x-api-key': 'k' } }).then((r) => r.json());
    assert.equal(page.totalCount, 25);
    assert.deepEqual(pair.violations(), []);
  } finally {
    await pair.close();
  }
});
