// The settings page opened by someone who is not a Jira admin, against the real resolvers on
// the sandbox: every panel says it is refused, and no data of the app reaches the page.
//
// The sandbox must be the first import that can load @forge/api (it installs the local runtime).
import { SANDBOX_ADMIN, startSandbox } from '../../dev/sandbox/index.js';
import { startSettingsServer } from '../../dev/sandbox/settings-server.js';

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { browserSkipReason, launchChromium, pageRoot, saveScreenshot } from './helpers.js';

const skipReason = browserSkipReason();
const TIMEOUT = { timeout: 120_000 };
const AGENT = '5b10ac8d82e05b22cc7d0000';

describe('settings page for a user who is not a Jira admin', { skip: skipReason ?? false }, () => {
  let sandbox;
  let server;
  let browser;
  const answers = [];

  before(async () => {
    // Only the sandbox's admin (and the app) hold ADMINISTER on this site.
    sandbox = await startSandbox({ users: 5, seed: 3, firstSync: false, assets: { jira: { admins: [SANDBOX_ADMIN, 'app'] } } });
    server = await startSettingsServer({
      root: pageRoot,
      invoke: async (name, payload) => {
        try {
          const result = await sandbox.runtime.invokeResolver('tributary-main', name, payload, { accountId: AGENT });
          answers.push({ name, ok: true, result });
          return result;
        } catch (error) {
          answers.push({ name, ok: false });
          throw error;
        }
      },
      context: { accountId: AGENT, moduleKey: 'tributary-main', extension: { type: 'jira:adminPage' } },
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close().catch(() => {});
    await server?.close();
    await sandbox?.close();
  });

  test('every resolver refuses, the page says so, and shows no import, key or run', TIMEOUT, async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}?tab=imports`);
    await page.getByRole('tabpanel', { name: 'Imports' }).getByText(/Only Jira administrators can use Tributary/).waitFor();
    assert.equal(await page.getByText('JumpCloud users').count(), 0, 'the import saved by the admin is not shown');
    await page.getByRole('tab', { name: 'Connection' }).click();
    await page.getByRole('tabpanel', { name: 'Connection' }).getByText(/Only Jira administrators can use Tributary/).waitFor();
    await page.getByRole('tab', { name: 'Run history' }).click();
    await page.getByRole('tabpanel', { name: 'Run history' }).getByText(/Only Jira administrators can use Tributary/).waitFor();
    assert.ok(answers.length >= 3);
    assert.deepEqual(answers.filter((a) => a.ok), [], 'no resolver answered a non-admin');
    assert.ok(!(await page.content()).includes('sandbox-jumpcloud-key'));
    await saveScreenshot(page, 'non-admin-refused');
    await page.close();
  });
});
