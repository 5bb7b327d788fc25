// The CLI's host hands the core credentials only, and the core makes the calls itself
// (gloo-net over Node's global fetch): against the emulators, with each API's authentication,
// and without a secret in any message, log or printout.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { inspect } from 'node:util';

import * as core from '../../src-js/core/index.js';
import { startEmulators } from '../../src-js/emulators/index.js';
import { createNodeHost, readEnvConfig } from '../../src-js/hosts/node-host.js';
import { emulatorEnv } from './helpers.js';

const KEY = 'node-host-test-jumpcloud-key';
const ORG = '5f0c1e2d3b4a596877a1b2c3';
const EMAIL = 'sync-bot@example.test';
const TOKEN = 'node-host-test-api-token';
const SECRETS = [KEY, TOKEN, Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')];

let emulators;
let env;
let mappingText;

before(async () => {
  emulators = await startEmulators({
    seed: 4, users: 12, apiKey: KEY,
    // A multi-tenant key: the emulator refuses requests without the right x-org-id.
    jumpCloud: { orgId: ORG },
    assets: { auth: { email: EMAIL, apiToken: TOKEN }, allowAppCalls: false },
  });
  env = emulatorEnv(emulators, { apiKey: KEY, email: EMAIL, apiToken: TOKEN }, { JUMPCLOUD_ORG_ID: ORG });
  mappingText = await readFile(new URL('../../examples/users.map', import.meta.url), 'utf8');
});
after(async () => emulators?.close());

function memoryStorage() {
  const data = new Map();
  return {
    get: async (key) => data.get(key) ?? null,
    set: async (key, value) => { data.set(key, value); },
    delete: async (key) => { data.delete(key); },
  };
}

function nodeHost(overrides = {}, logs = []) {
  return createNodeHost({
    config: readEnvConfig({ ...env, ...overrides }),
    storage: memoryStorage(),
    log: (level, message) => logs.push(`${level} ${message}`),
  });
}

function assertNoSecret(text) {
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `a secret in: ${text}`);
}

test('the host has no request of its own, and printing it never shows the credentials', () => {
  const host = nodeHost();
  assert.equal('request' in host, false);
  assert.equal(host.credentials.jumpcloud.apiKey, KEY);
  assertNoSecret(JSON.stringify(host));
  assertNoSecret(inspect(host, { depth: 10 }));
});

test('sample reaches JumpCloud through the core with x-api-key and x-org-id', async () => {
  const result = await core.sampleSource(nodeHost(), ({ mappingText, limit: 3 }));
  assert.equal(result.records.length, 3);
  // Without the org id the emulator refuses the multi-tenant key: the header came from credentials.
  await assert.rejects(
    core.sampleSource(nodeHost({ JUMPCLOUD_ORG_ID: '' }), ({ mappingText, limit: 3 })),
    (error) => { assertNoSecret(error.message); return /4\d\d/.test(error.message); },
  );
});

test('preview reads Jira and Assets through the core with Basic auth', async () => {
  const logs = [];
  const report = await core.previewSync(nodeHost({}, logs), ({ importId: 'users', mappingText, dryRun: true }));
  assert.equal(report.status, 'succeeded', JSON.stringify([report.message, report.errors]));
  assert.equal(report.plan.creates.length, emulators.tenant.users.length);
  assertNoSecret(JSON.stringify(report) + logs.join('\n'));
});

test('a transport failure names the API, is retried, and holds no credential', async () => {
  // A port nobody listens on.
  const port = await new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = server.address();
      server.close(() => resolve(free));
    });
  });
  const logs = [];
  const host = nodeHost({ JUMPCLOUD_BASE_URL: `http://127.0.0.1:${port}` }, logs);
  // Time runs 100× faster for this host: the backoffs and the timeout slices stay short.
  host.sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms / 100));
  await assert.rejects(core.sampleSource(host, ({ mappingText, limit: 1 })), (error) => {
    assert.match(error.message, /JumpCloud: TypeError: fetch failed/);
    assertNoSecret(error.message);
    return true;
  });
  assert.equal(logs.filter((l) => l.startsWith('warn')).length, 5, logs.join('\n'));
  assertNoSecret(logs.join('\n'));
});
