// End to end: the settings page in Debian's Chromium against the real backend — the local
// Forge runtime running the real handlers (src/index.js) over the JumpCloud and Assets
// emulators, with the page's bridge forwarding `invoke` to it (dev/sandbox). Nothing here is
// a fixture: every number asserted comes from the sync engine.
// Build first: node scripts/build-wasm.mjs && node scripts/build-settings.mjs
//
// The sandbox must be the first import that can load @forge/api (it installs the local runtime).
import { startSandbox } from '../../dev/sandbox/index.js';

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

import { browserSkipReason, chooseOption, everythingInPage, launchChromium, luminance, mappingText, saveScreenshot, tileCounts, typeMapping } from './helpers.js';

const nodeCore = await import('../../src-js/core/index.js');

const skipReason = browserSkipReason();
const TIMEOUT = { timeout: 120_000 };
const API_KEY = 'sandbox-jumpcloud-key';
const NEW_TITLE = 'Chief Tea Officer';

describe('settings page on the real sandbox backend', { skip: skipReason ?? false }, () => {
  let sandbox;
  let browser;
  let context;
  let page;
  const consoleMessages = [];
  const pageErrors = [];
  /** Every resolver call the page made: `{name, payload, status, body}` (body as text). */
  const invocations = [];

  before(async () => {
    sandbox = await startSandbox({ users: 40, seed: 2, firstSync: true });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    page = await context.newPage();
    page.on('console', (message) => consoleMessages.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('response', async (response) => {
      if (!response.url().endsWith('/__bridge/invoke')) return;
      const request = JSON.parse(response.request().postData() ?? '{}');
      const body = await response.text().catch(() => '');
      invocations.push({ name: request.functionKey, payload: request.payload, status: response.status(), body });
    });
  });
  after(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await sandbox?.close();
  });

  const called = (name) => invocations.filter((c) => c.name === name);

  test('the first sync recorded a run (the sandbox is usable)', () => {
    assert.equal(sandbox.firstRun?.status, 'succeeded', JSON.stringify(sandbox.firstRun?.message));
    assert.equal(sandbox.firstRun.counts.created, 40);
  });

  test('the footer shows the core version the page runs, the same as the server\'s', TIMEOUT, async () => {
    const { core } = await sandbox.invoke('getVersion');
    await page.goto(`${sandbox.pageUrl}?tab=imports`);
    const footer = page.locator('#footer-version');
    await page.waitForFunction(() => document.querySelector('#footer-version')?.dataset.coreVersion);
    assert.equal(await footer.getAttribute('data-core-version'), core);
    assert.equal(await footer.textContent(), `Tributary ${core}`);
    assert.match(await footer.getAttribute('title'), new RegExp(`checks in this page: core ${core.replace(/\./g, '\\.')} \\(WebAssembly\\)`));
  });

  test('the Imports tab lists the sandbox import with its last run from the history', TIMEOUT, async () => {
    const row = page.getByRole('row', { name: /JumpCloud users/ });
    await row.waitFor();
    await page.waitForFunction(() => /Succeeded · /.test(document.querySelector('.imports-list tbody tr')?.textContent ?? ''));
    assert.match(await row.textContent(), /^JumpCloud usersEvery hourSucceeded · /);
  });

  test('editing it checks the mapping live in the browser (wasm), against the real attributes', TIMEOUT, async () => {
    await page.getByRole('button', { name: 'Edit import JumpCloud users' }).click();
    const summary = page.locator('.diag-summary');
    await page.waitForFunction(() => /attributes of User, in your browser/.test(document.querySelector('.diag-summary')?.textContent ?? ''));
    assert.doesNotMatch(await summary.textContent(), /error/);
    const editor = page.getByLabel('Mapping', { exact: true });
    const saved = await mappingText(page);
    assert.equal(saved, (await sandbox.invoke('listImports'))[0].mapping);

    await editor.fill(saved.replace('map:jobTitle=Job Title', 'map:jobTitle=Job Titel'));
    await page.locator('.diag-error').filter({ hasText: "did you mean 'Job Title'?" }).waitFor();
    assert.match(await summary.textContent(), /^1 error.*in your browser\)\.$/);
    assert.equal(called('validateMapping').length, 0, 'diagnostics come from the browser, not a resolver');
    assert.ok(called('getAttributes').length >= 1, 'the attributes are the real object type\'s');

    await editor.fill(saved); // back to the saved text: Preview then needs no save
    await page.waitForFunction(() => !document.querySelector('.diag-error'));
    assert.equal(await page.getByRole('button', { name: 'Save', exact: true }).count(), 1, 'nothing unsaved');
  });

  test('Fetch sample shows raw records from the JumpCloud emulator, and what the mapping makes of them', TIMEOUT, async () => {
    await page.getByRole('button', { name: 'Fetch sample' }).click();
    await page.getByText('Fetched 5 of 40 sample records.').waitFor();
    const raw = JSON.parse(await page.getByLabel('Raw JumpCloud JSON').textContent());
    const firstById = [...sandbox.emulators.tenant.users].sort((a, b) => a._id.localeCompare(b._id))[0];
    assert.equal(raw._id, firstById._id, 'the first record in _id order, as the import pages');
    assert.match(await page.locator('.sample-request').textContent(), /^Request: \/api\/systemusers\?limit=5&skip=0&sort=_id/);
    const rows = await page.locator('.table-record tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.deepEqual(rows.find(([attribute]) => attribute === 'First Name'), ['First Name', raw.firstname]);
  });

  test('Preview after a change in JumpCloud shows that change old → new, and nothing else', TIMEOUT, async () => {
    const user = sandbox.emulators.tenant.users.find((u) => u.jobTitle && u.jobTitle !== NEW_TITLE);
    const oldTitle = user.jobTitle;
    sandbox.emulators.tenant.promote(user._id, { jobTitle: NEW_TITLE });

    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByText('Preview ready. Nothing was written to Assets.').waitFor();
    assert.deepEqual(called('saveImport'), [], 'an unchanged import is not saved again');
    const rows = await page.locator('.table-diff tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.equal(rows.length, 1, JSON.stringify(rows));
    const [record, objectKey, attribute, oldValue, newValue] = rows[0];
    // The record's readable name (when the backend gives one) beside its JumpCloud id.
    assert.ok(record.endsWith(user._id), record);
    assert.deepEqual([attribute, oldValue, newValue], ['Job Title', oldTitle, NEW_TITLE]);
    assert.match(objectKey, /^[A-Z]+-\d+$/);
    const counts = await tileCounts(page.locator('.preview .count'));
    assert.deepEqual(counts, { source: 40, created: 0, updated: 1, unchanged: 39, missing: 0, marked: 0, deleted: 0, failed: 0, incomplete: 0, warnings: counts.warnings });
    // The engine's warnings (unmatched Jira users) are listed as warnings, not failures.
    const preview = JSON.parse(called('previewImport').at(-1).body).result;
    assert.equal(counts.warnings, preview.counts.warnings);
    // Absent parts (no creates, nothing missing) leave no trace such as a stray "null".
    assert.doesNotMatch(await page.locator('.preview').textContent(), /null|undefined|NaN/);
    // The engine's warnings are listed as warnings; nothing would fail.
    const levels = await page.locator('.preview .table-errors tbody tr').evaluateAll((trs) => trs.map((tr) => tr.children[2].textContent));
    assert.equal(levels.length, preview.counts.warnings);
    assert.ok(levels.every((level) => level === 'Warning'), JSON.stringify(levels));
    // Search finds the changed user by id; the CSV download carries the change.
    await page.getByLabel('Search', { exact: true }).fill(user._id.slice(-6));
    await page.getByText('1 matching record', { exact: true }).waitFor();
    assert.equal(await page.locator('.table-diff tbody tr').count(), 1);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    const csv = await readFile(await download.path(), 'utf8');
    assert.ok(csv.split('\r\n').some((line) => line.startsWith(`update,${user._id},`) && line.includes(`Job Title,${oldTitle},${NEW_TITLE}`)), csv);
    await saveScreenshot(page, 'sandbox-preview');
  });

  test('Run now, then Run history shows the run succeeded with the engine\'s counts', TIMEOUT, async () => {
    await page.getByRole('button', { name: 'Run now' }).click();
    // The confirmation says what the run will do, from the engine's dry run.
    const dialog = page.getByRole('dialog', { name: 'Run this import now?' });
    await dialog.waitFor();
    const planned = JSON.parse(called('previewImport').at(-1).body).result;
    assert.match(await dialog.textContent(), new RegExp(`The run will create ${planned.counts.created}, update ${planned.counts.updated}, clear \\d+ values?, retire 0`));
    assert.equal(called('runImport').length, 0, 'nothing runs before the admin confirms');
    await dialog.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('tab', { name: 'Run history', selected: true }).waitFor();
    const started = called('runImport');
    assert.equal(started.length, 1);
    const { runId } = JSON.parse(started[0].body).result;
    assert.match(runId, /^[A-Za-z0-9._-]+$/);
    const card = page.locator(`.run[data-run-id="${runId}"]`);
    // Queued, then the record of the queue consumer's slice; the page polls until it is done.
    await page.locator(`.run[data-run-id="${runId}"][data-status="succeeded"]`).waitFor({ timeout: 60_000 });
    assert.equal(await card.locator('.badge').textContent(), 'Succeeded');
    assert.equal(await card.locator('.run-title').textContent(), 'JumpCloud users');
    const counts = await tileCounts(card.locator('.count'));
    const stored = (await sandbox.invoke('listRuns', { importId: sandbox.importId })).find((r) => r.runId === runId);
    assert.deepEqual(counts, stored.counts, 'the page shows the stored record\'s counts');
    assert.equal(counts.updated, 1);
    assert.equal(counts.unchanged, 39);
    assert.equal(counts.created, 0);
    assert.match(await card.locator('.run-time').textContent(), / → /);
    // Newest first: this run above the first sync.
    const order = await page.locator('.run').evaluateAll((runs) => runs.map((r) => r.dataset.runId));
    assert.deepEqual(order, [runId, sandbox.firstRun.runId]);
    // Every record's result, as the engine stored it beside the record, downloads from the
    // real getRunResults: the one update, labelled with the person's name.
    const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: 'Download all results (CSV)' }).click()]);
    const rows = (await readFile(await download.path(), 'utf8')).trimEnd().split('\r\n');
    const changed = sandbox.emulators.tenant.users.find((u) => u.jobTitle === NEW_TITLE);
    const updates = rows.filter((row) => row.startsWith('update,'));
    assert.equal(updates.length, 1, rows.join('\n'));
    assert.ok(updates[0].startsWith(`update,${changed._id},`), updates[0]);
    assert.ok(updates[0].includes(NEW_TITLE), updates[0]);
    assert.ok(updates[0].includes(changed.firstname), `labelled with the name: ${updates[0]}`);
    // And it really wrote: a new dry run finds nothing to update.
    const after = await sandbox.invoke('previewImport', { importId: sandbox.importId });
    assert.equal(after.counts.updated, 0);
    await saveScreenshot(page, 'sandbox-runs');
  });

  test('Connection: Test connection succeeds, and the API key never reaches the page', TIMEOUT, async () => {
    await page.getByRole('tab', { name: 'Connection' }).click();
    await page.getByText('A key is stored').waitFor();
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.locator('.test-result.test-ok');
    await result.waitFor();
    assert.equal(await result.textContent(), 'Test passed: Connected to JumpCloud: 40 users visible.');
    assert.equal(await page.getByLabel('JumpCloud API key').inputValue(), '');

    const everything = await everythingInPage(page);
    assert.ok(!everything.includes(API_KEY), 'the key is nowhere in the page');
    assert.ok(!consoleMessages.join('\n').includes(API_KEY), 'the key is never logged in the browser');
    assert.ok(invocations.length > 10, `the page used the backend (${invocations.length} calls)`);
    for (const call of invocations) {
      assert.ok(!call.body.includes(API_KEY), `${call.name} did not answer with the key`);
      assert.equal(call.status, 200, `${call.name} answered ${call.status}: ${call.body.slice(0, 300)}`);
    }
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(sandbox.emulators.violations(), [], 'every request the app sent matches the vendor specs');
    await saveScreenshot(page, 'sandbox-connection');
  });

  test('the seed guide\'s mapping: quick fixes for id and Manager Name, a typo marked at its line and column, click-to-map from the sample', TIMEOUT, async () => {
    const tab = await context.newPage();
    try {
      await tab.goto(`${sandbox.pageUrl}?tab=imports`);
      await tab.getByRole('button', { name: 'Add import' }).click();
      await chooseOption(tab, 'Assets object schema', /^People/);
      await chooseOption(tab, 'Object type', 'User');
      await tab.waitForFunction(() => /attributes of User/.test(document.querySelector('.diag-summary')?.textContent ?? ''));
      // The guide's mapping as pasted from OnLink, with a typo in a JumpCloud field on line 7.
      const guide = 'key:_id=id\nmap:firstname=First Name\nmap:lastname=Last Name\nmap:email=Email\nmap:username=User Name\n' +
        'map:manager=Manager Name\nmap:jobtitel=Job Title\nconfig:api=systemusers\nconfig:filter=department:$eq:Finance\n';
      await typeMapping(tab, guide);
      // The type picked is People's User, the sandbox import's own.
      const typeId = (await sandbox.invoke('listImports'))[0].objectTypeId;
      const expected = nodeCore.validate(guide, JSON.stringify(await sandbox.invoke('getAttributes', { objectTypeId: typeId })));
      const typo = expected.diagnostics.find((d) => d.code === 'W008');
      assert.deepEqual([typo.line, typo.column], [7, 5]);
      // The typo's lint mark sits on line 7 from column 5, over exactly the field name.
      await tab.waitForFunction(() => document.querySelector('.editor-frame').shadowRoot.querySelectorAll('.cm-lintRange-warning').length >= 1);
      const mark = await tab.evaluate(() => {
        const root = document.querySelector('.editor-frame').shadowRoot;
        const range = root.querySelector('.cm-lintRange-warning');
        const line = range.closest('.cm-line');
        const lines = [...root.querySelectorAll('.cm-content > .cm-line')];
        const before = document.createRange();
        before.setStart(line, 0);
        before.setEndBefore(range);
        return { line: lines.indexOf(line) + 1, column: before.toString().length + 1, text: range.textContent };
      });
      assert.deepEqual(mark, { line: 7, column: 5, text: 'jobtitel' });

      // Hovering the `id` mark shows the message and its fix; one click applies it.
      const idMark = tab.locator('.cm-lintRange-error', { hasText: /^id$/ });
      await idMark.hover();
      const tooltip = tab.locator('.cm-tooltip-lint');
      await tooltip.waitFor();
      assert.match(await tooltip.textContent(), /JumpCloud ID/);
      await tooltip.getByRole('button', { name: "Fix: replace with 'JumpCloud ID'" }).click();
      await tab.waitForFunction(() => document.querySelector('.editor-frame').shadowRoot.querySelector('.cm-content').textContent.startsWith('key:_id=JumpCloud ID'));
      // Manager Name: the fix from the list below the editor.
      await tab.getByRole('button', { name: "Fix: replace with 'Manager|byKey'" }).click();
      await tab.waitForFunction(() => document.querySelector('.editor-frame').shadowRoot.querySelector('.cm-content').textContent.includes('map:manager=Manager|byKey'));
      assert.match(await mappingText(tab), /^map:manager=Manager\|byKey$/m);
      assert.equal(await tab.locator('.diag-code', { hasText: 'E020' }).count(), 0, 'both E020s are fixed');
      await saveScreenshot(tab, 'sandbox-quick-fixes');

      // Fetch sample, then click a field: a new map: row, and the attribute names offered.
      await tab.getByRole('button', { name: 'Fetch sample' }).click();
      await tab.getByRole('button', { name: 'Map department' }).click();
      const options = tab.locator('.cm-tooltip-autocomplete li');
      await options.first().waitFor();
      const offered = await options.allTextContents();
      assert.ok(offered.some((o) => o.startsWith('Job Title')), JSON.stringify(offered));
      await tab.keyboard.press('Escape');
      assert.match(await mappingText(tab), /\nmap:department=\n$/);
      // Completion of JumpCloud fields on a map: line comes from the collection's spec.
      await tab.keyboard.type('\nmap:jobT');
      await tab.locator('.cm-tooltip-autocomplete li', { hasText: 'jobTitle' }).first().waitFor();
      await saveScreenshot(tab, 'sandbox-click-to-map');
    } finally {
      await tab.close();
    }
  });

  test('fits 1280×800 and 1920×1080 without sideways scrolling', TIMEOUT, async () => {
    for (const [width, height] of [[1280, 800], [1920, 1080]]) {
      const sized = await browser.newPage({ viewport: { width, height } });
      try {
        await sized.goto(`${sandbox.pageUrl}?tab=imports`);
        await sized.getByRole('button', { name: 'Edit import JumpCloud users' }).click();
        await sized.waitForFunction(() => /attributes of User/.test(document.querySelector('.diag-summary')?.textContent ?? ''));
        const overflow = await sized.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.equal(overflow, 0, `${width}×${height}: ${overflow}px wider than the window`);
        await saveScreenshot(sized, `sandbox-${width}x${height}`);
      } finally {
        await sized.close();
      }
    }
  });

  test('Jira\'s dark theme: the page follows it with Atlassian\'s dark tokens, and has no title of its own', TIMEOUT, async () => {
    const dark = await context.newPage();
    try {
      await dark.goto(`${sandbox.pageUrl}?theme=dark&tab=imports`);
      await dark.locator('html[data-color-mode="dark"]').waitFor({ state: 'attached' });
      await dark.getByRole('tab', { name: 'Imports' }).waitFor();
      const colours = await dark.evaluate(() => {
        const style = getComputedStyle(document.body);
        return { background: style.backgroundColor, text: style.color, token: getComputedStyle(document.documentElement).getPropertyValue('--ds-surface').trim() };
      });
      assert.ok(colours.token, 'the design tokens are loaded');
      assert.ok(luminance(colours.background) < 0.05, `a dark page background: ${colours.background}`);
      assert.ok(luminance(colours.text) > 0.5, `light text: ${colours.text}`);
      assert.equal(await dark.locator('h1').count(), 0, 'Jira shows the title');
      await saveScreenshot(dark, 'sandbox-dark-theme');
    } finally {
      await dark.close();
    }
    // The light theme by default.
    const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.ok(luminance(light) > 0.9, `a light page background: ${light}`);
  });
});
