// The settings page in a real browser (Debian's Chromium): the bundle, the real WebAssembly
// core, and a fake Forge bridge answering in the real resolvers' shapes (tests/settings/helpers.js;
// sandbox-page.test.js drives the same page against the real backend).
// Build first: node scripts/build-wasm.mjs && node scripts/build-settings.mjs
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

import {
  FORGE_LIKE_CSP, NO_WASM_CSP, browserSkipReason, chooseOption, chosenOption, defaultFixtures, everythingInPage, launchChromium, openPage,
  counts, lintMarkedTexts, luminance, mappingText, resolverCalls, typeMapping, saveScreenshot, startStaticServer, tableRows, tileCounts, userAttributes,
} from './helpers.js';

const skipReason = browserSkipReason();
const TIMEOUT = { timeout: 60_000 };

// The mapping core as Node runs it: the browser's diagnostics must be the same (real wasm, not mocked).
let nodeCore = null;
if (!skipReason) nodeCore = await import('../../src-js/core/index.js').catch(() => null);

describe('settings page', { skip: skipReason ?? false }, () => {
  let browser;
  let server;
  const opened = [];

  before(async () => {
    browser = await launchChromium();
    // Every page is served under the CSP Forge applies with the manifest's 'unsafe-eval'.
    server = await startStaticServer(undefined, { csp: FORGE_LIKE_CSP });
  });
  after(async () => {
    for (const { context } of opened) await context.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  async function open(options = {}) {
    const fixtures = options.fixtures ?? defaultFixtures();
    fixtures.version ??= nodeCore?.coreVersion?.() ?? '0.0.0';
    fixtures.vocabulary ??= nodeCore?.vocabulary?.();
    const result = await openPage(browser, options.server?.url ?? server.url, { ...options, fixtures });
    opened.push(result);
    return result;
  }

  async function noCspViolations(page) {
    // Typing into an editable element makes Chrome's own editing code try a style attribute
    // (no script source: not the page's code); CSP blocks it and CodeMirror draws from its state
    // anyway. Everything else the page does must pass the Custom UI CSP.
    const violations = await page.evaluate(() => globalThis.__cspViolations);
    assert.deepEqual(violations.filter((v) => v !== 'style-src-attr inline'), []);
  }

  test('the wasm core loads in the browser and marks a bad mapping with real diagnostics', TIMEOUT, async () => {
    const { page, errors } = await open({ query: '?tab=imports' });
    await page.getByRole('button', { name: 'Add import' }).click();
    const editor = page.getByLabel('Mapping', { exact: true });
    const bad = 'map:firstname=First Name\nmap:lastname Last Name\nbogus:thing=x\nmap:email=Email\n';
    await typeMapping(page, bad);
    await page.locator('.diag').first().waitFor();

    const shown = await page.locator('.diag').evaluateAll((items) => items.map((li) => ({
      location: li.querySelector('.diag-loc').textContent,
      code: li.querySelector('.diag-code').textContent,
      message: li.querySelector('.diag-message').textContent,
    })));
    const expected = nodeCore.validate(bad).diagnostics
      .sort((a, b) => a.line - b.line || a.column - b.column)
      .map((d) => ({ location: `${d.line}:${d.column}`, code: d.code, message: d.message }));
    assert.ok(['E001', 'E003', 'E004'].every((code) => expected.some((d) => d.code === code)), 'the core finds these problems');
    assert.deepEqual(shown, expected, 'the page lists exactly what the core reports, with line:column');

    assert.match(await page.locator('.diag-summary').textContent(), /error.*in your browser/);
    assert.equal(await editor.getAttribute('aria-invalid'), 'true');
    assert.ok(await page.locator('.cm-lintRange-error, .cm-lintPoint-error').count() >= 1, 'the span is marked');
    assert.ok(await page.locator('.cm-lint-marker-error').count() >= 1, 'the gutter flags the line');
    const names = (await resolverCalls(page)).map((c) => c.name);
    assert.ok(!names.includes('validateMapping'), 'diagnostics came from the browser, not the server');

    // Clicking a location selects the span in the text.
    await page.locator('.diag-loc').first().click();
    assert.equal(await page.evaluate(() => document.activeElement.shadowRoot?.activeElement?.classList.contains('editor-input')), true);

    // A valid mapping clears the list.
    const good = 'key:_id=JumpCloud ID\nmap:firstname=First Name\nconfig:api=systemusers\n';
    await typeMapping(page, good);
    const goodCount = nodeCore.validate(good).diagnostics.length;
    await page.waitForFunction((n) => document.querySelectorAll('.diag').length === n, goodCount);

    // The footer shows the version of the core running in the page.
    await page.locator('#footer-version[data-core-version]').waitFor();
    assert.match(await page.locator('#footer-version').textContent(), new RegExp(`Tributary ${nodeCore.coreVersion().replace(/\./g, '\\.')}`));
    assert.deepEqual(errors, []);
    await noCspViolations(page);
  });

  test('squiggles cover exactly the reported span, also after non-ASCII text', TIMEOUT, async () => {
    const { page } = await open({ query: '?tab=imports' });
    await page.getByRole('button', { name: 'Add import' }).click();
    // The page marks the core's UTF-16 spans; they must cover the same text as its UTF-8 byte spans.
    const text = 'key:_id=JumpCloud ID\nmap:firstname=Prénom 👩‍💻 Ünïcode\nbögus:thing=x\nconfig:api=systemusers\n';
    await page.getByLabel('Mapping', { exact: true }).fill(text);
    const bytes = Buffer.from(text);
    const expected = nodeCore.validate(text).diagnostics
      .filter((d) => d.span.end > d.span.start)
      .map((d) => bytes.subarray(d.span.start, d.span.end).toString());
    assert.ok(expected.some((t) => t.startsWith('bögus')), `the core flags the bad directive (${JSON.stringify(expected)})`);
    await page.waitForFunction((n) => document.querySelector('.editor-frame').shadowRoot.querySelectorAll('.cm-lintRange').length >= n, expected.length);
    assert.deepEqual(await lintMarkedTexts(page), expected);
  });

  test('picking an object type validates against its attributes', TIMEOUT, async () => {
    const { page } = await open({ query: '?tab=imports' });
    await page.getByRole('button', { name: 'Add import' }).click();
    await chooseOption(page, 'Assets object schema', 'People (PPL)');
    await chooseOption(page, 'Object type', 'User');
    const text = 'key:_id=JumpCloud ID\nmap:jobTitle=Job Titel\nconfig:api=systemusers\n';
    await page.getByLabel('Mapping', { exact: true }).fill(text);
    await page.waitForFunction(() => /checked against the attributes of User/.test(document.querySelector('.diag-summary').textContent));
    const calls = await resolverCalls(page);
    assert.deepEqual(calls.find((c) => c.name === 'getAttributes').payload, { objectTypeId: '12' });
    // Whatever the core makes of it, the page shows the same as the core given the same attributes.
    const expected = nodeCore.validate(text, JSON.stringify(userAttributes)).diagnostics.map((d) => d.code).sort();
    await page.waitForFunction((n) => document.querySelectorAll('.diag').length === n, expected.length);
    const codes = (await page.locator('.diag-code').allTextContents()).sort();
    assert.deepEqual(codes, expected);
    assert.deepEqual(codes, ['E020']);
    assert.match(await page.locator('.diag').textContent(), /Hint: did you mean 'Job Title'\?/);
  });

  test('a diagnostic\'s fix is a button that rewrites the mapping, at UTF-16 offsets', TIMEOUT, async () => {
    const { page } = await open({ query: '?tab=imports' });
    await page.getByRole('button', { name: 'Add import' }).click();
    const editor = page.getByLabel('Mapping', { exact: true });
    // 😀 is two UTF-16 units and four bytes: the fix must use utf16Span.
    const text = '# 😀 Prénom\nkey:_id=JumpCloud ID\nmap:jobtitel=Job Title\nconfig:api=systemusers\n';
    await editor.fill(text);
    const fix = page.getByRole('button', { name: "Fix: replace with 'jobTitle'" });
    await fix.click();
    assert.equal(await mappingText(page), text.replace('jobtitel', 'jobTitle'));
    await page.waitForFunction(() => document.querySelectorAll('.diag-fix').length === 0);
  });

  test('format rewrites the mapping in the core\'s canonical layout, undoably', TIMEOUT, async () => {
    const { page } = await open({ query: '?tab=imports' });
    await page.getByRole('button', { name: 'Add import' }).click();
    const editor = page.getByLabel('Mapping', { exact: true });
    const messy = 'KEY:_id = JumpCloud ID  \nMap:firstname=First Name\nconfig:api=systemusers';
    await editor.fill(messy);
    await page.getByRole('button', { name: 'Format' }).click();
    assert.equal(await mappingText(page), nodeCore.format(messy));
    assert.notEqual(nodeCore.format(messy), messy);
    await page.getByText('Formatted.', { exact: true }).waitFor();
    await editor.press('Control+z');
    assert.equal(await mappingText(page), messy);
    // Keyboard: Tab leaves the editor (it does not trap focus) and reaches the buttons after it.
    await editor.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.closest('.editor') === null), true);
  });

  test('connection: the key is sent once, never pre-filled, shown or logged', TIMEOUT, async () => {
    const secret = 'jc-key-9f8e7d6c5b4a39281706';
    const { page, consoleMessages } = await open();
    const key = page.getByLabel('JumpCloud API key');
    await page.getByText('A key is stored').waitFor();
    assert.equal(await key.inputValue(), '', 'the key field is never pre-filled');
    assert.equal(await key.getAttribute('type'), 'password');
    assert.match(await chosenOption(page, 'Region'), /^EU \(/);
    assert.equal(await page.getByLabel('Organization ID (optional)').inputValue(), '5f1a2b3c4d5e6f7a8b9c0d1e');

    await key.fill(secret);
    await chooseOption(page, 'Region', /^India/);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved. The new API key is stored.').waitFor();

    const saves = (await resolverCalls(page)).filter((c) => c.name === 'saveConnection');
    assert.deepEqual(saves.map((c) => c.payload), [{ region: 'IN', apiKey: secret, orgId: '5f1a2b3c4d5e6f7a8b9c0d1e' }]);
    assert.equal(await key.inputValue(), '', 'the field is emptied after saving');
    const everything = await everythingInPage(page);
    assert.ok(!everything.includes(secret), 'the key is nowhere in the page');
    assert.ok(!consoleMessages.join('\n').includes(secret), 'the key is never logged');

    // Saving again without typing keeps the stored key (apiKey omitted).
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    const second = (await resolverCalls(page)).filter((c) => c.name === 'saveConnection')[1].payload;
    assert.equal('apiKey' in second, false);

    // Saving a new key already showed a test result; wait for the second test's own answer
    // (the panel empties the result while the call is out).
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.waitForFunction(() => globalThis.__bridgeCalls
      .filter((c) => c.type === 'invoke' && c.payload.functionKey === 'testConnection').length === 2
      && document.querySelector('.test-result')?.textContent !== '');
    assert.equal(await page.locator('.test-result').textContent(), 'Test passed: Connected to JumpCloud: 1234 users visible.');
    await noCspViolations(page);
  });

  test('a failing resolver is reported in plain words, without the key', TIMEOUT, async () => {
    const secret = 'jc-key-0011223344556677';
    const fixtures = defaultFixtures();
    fixtures.fail.saveConnection = `There was an error invoking the function - JumpCloud refused the key ${secret} (401)`;
    fixtures.fail.listImports = 'There was an error invoking the function - You must be a Jira administrator to change Tributary settings';
    const { page } = await open({ fixtures });
    await page.getByText('A key is stored').waitFor();
    await page.getByLabel('JumpCloud API key').fill(secret);
    await page.getByRole('button', { name: 'Save' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.equal(await alert.textContent(), 'Could not save the JumpCloud connection: JumpCloud refused the key •••• (401).');

    await page.getByRole('tab', { name: 'Imports' }).click();
    await page.getByText('Could not load the imports: You must be a Jira administrator to change Tributary settings.').waitFor();
  });

  test('a failed connection test shows the server\'s reason (testConnection answers ok:false, it does not throw)', TIMEOUT, async () => {
    const fixtures = defaultFixtures();
    fixtures.testResult = { ok: false, message: 'JumpCloud refused the API key (HTTP 401).' };
    const { page } = await open({ fixtures });
    await page.getByText('A key is stored').waitFor();
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.locator('.test-result.test-fail');
    await result.waitFor();
    assert.equal(await result.textContent(), 'Test failed: JumpCloud refused the API key (HTTP 401).');
    assert.equal(await result.getAttribute('role'), 'alert');
  });

  test('a typed key is tested before it is saved, and one that fails asks first', TIMEOUT, async () => {
    const secret = 'jc-key-badbadbadbad0001';
    const fixtures = defaultFixtures();
    fixtures.testResult = { ok: false, message: 'JumpCloud refused the API key (HTTP 401).', tested: 'typed' };
    const { page } = await open({ fixtures });
    await page.getByText('A key is stored').waitFor();
    const key = page.getByLabel('JumpCloud API key');
    await key.fill(secret);
    // Test tests what is typed, without saving it.
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.locator('.test-result.test-fail').waitFor();
    assert.match(await page.locator('.test-result').textContent(), /not saved yet/);
    let calls = await resolverCalls(page);
    assert.deepEqual(calls.filter((c) => c.name === 'testConnection').at(-1).payload.apiKey, secret);
    assert.equal(calls.filter((c) => c.name === 'saveConnection').length, 0);
    // Save asks before replacing the stored key with one that failed; Cancel keeps the old one.
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Save a key that failed the test?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    calls = await resolverCalls(page);
    assert.equal(calls.filter((c) => c.name === 'saveConnection').length, 0, 'nothing saved');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await dialog.getByRole('button', { name: 'Save anyway' }).click();
    await page.getByText('Saved. The new API key is stored.').waitFor();
    calls = await resolverCalls(page);
    assert.equal(calls.filter((c) => c.name === 'saveConnection').length, 1);
    assert.ok(!(await everythingInPage(page)).includes(secret), 'the key is nowhere in the page');
  });

  test('the imports list shows each import\'s newest run from the history', TIMEOUT, async () => {
    const { page } = await open({ query: '?tab=imports' });
    const row = page.getByRole('row', { name: /Finance users/ });
    await page.waitForFunction(() => /Running/.test(document.querySelector('.imports-list tbody tr')?.textContent ?? ''));
    assert.match(await row.textContent(), /Every day.*Running · .*2026/);
    // Coming back to the tab re-reads the history: the run has moved on meanwhile.
    await page.getByRole('tab', { name: 'Run history' }).click();
    await page.locator('[data-run-id="run-2"]').waitFor();
    await page.getByRole('tab', { name: 'Imports' }).click();
    await page.waitForFunction(() => /Succeeded · /.test(document.querySelector('.imports-list tbody tr')?.textContent ?? ''));
  });


  test('preview shows the engine\'s planned counts and a field-by-field old → new table', TIMEOUT, async () => {
    const { page } = await open({ query: '?tab=imports' });
    await page.getByRole('button', { name: 'Edit import Finance users' }).click();
    await page.waitForFunction(() => document.querySelector('.diag-summary')?.textContent.includes('attributes of User'));
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByText('Preview ready: some records would fail or lack some values (see below). Nothing was written to Assets.').waitFor();
    // Some records would fail: a warning, not green and not an error of the page.
    assert.match(await page.locator('.status-message-warning').textContent(), /^Preview ready: some records would fail/);

    assert.deepEqual(await tileCounts(page.locator('.preview .count')),
      { source: 45, created: 1, updated: 2, unchanged: 40, missing: 1, marked: 1, deleted: 0, failed: 1, incomplete: 0, warnings: 1 });
    // A readable name beside each JumpCloud id (the plan entries' `label`).
    assert.deepEqual(await tableRows(page.locator('.table-diff tbody tr')), [
      ['Ada Lovelace 5f1a', 'PPL-101', 'Job Title', 'Analyst', 'Senior Analyst'],
      ['Ada Lovelace 5f1a', 'PPL-101', 'Email', 'ada@old.example', 'ada@example.com'],
      ['Alan Turing 5f1b', 'PPL-102', 'Last Name', 'Turin', 'Turing'],
    ]);
    assert.equal(await page.locator('.table-diff del.diff-old').first().textContent(), 'Analyst');
    assert.equal(await page.locator('.table-diff .record').first().getAttribute('title'), 'JumpCloud id 5f1a');
    assert.deepEqual(await tableRows(page.locator('.table-creates tbody tr')), [
      ['Grace Hopper 5f1c', 'JumpCloud ID', '5f1c'], ['Grace Hopper 5f1c', 'First Name', 'Grace'], ['Grace Hopper 5f1c', 'Last Name', 'Hopper'],
    ]);
    assert.deepEqual(await tableRows(page.locator('.table-missing tbody tr')), [['5f0z', 'PPL-099', 'Marked: Status = Left']]);
    // Errors and warnings are told apart by the engine's `level`.
    assert.deepEqual(await tableRows(page.locator('.table-errors tbody tr')), [
      ['5f1d', 'Email', 'Error', 'not a valid email address: "grace@"'],
      ['Ada Lovelace 5f1a', 'Jira User', 'Warning', 'no Jira user found for "ada@example.com"; the attribute was left as it is'],
    ]);
    assert.equal(await page.locator('.preview .guard').count(), 0);
    assert.doesNotMatch(await page.locator('.preview').textContent(), /null|undefined/);
    const calls = await resolverCalls(page);
    const preview = calls.find((c) => c.name === 'previewImport');
    // Preview never saves: what is on screen goes with the request.
    assert.equal(preview.payload.importId, 'imp-1');
    assert.equal(typeof preview.payload.mapping, 'string');
    assert.ok(preview.payload.objectTypeId, 'the chosen object type goes with it');
    assert.equal(calls.filter((c) => c.name === 'saveImport').length, 0, 'nothing was saved');
    await saveScreenshot(page, 'settings-preview');
  });

  test('preview tables: names and referenced objects\' labels, search across tables, grouping, paging, CSV and JSON downloads', TIMEOUT, async () => {
    const fixtures = defaultFixtures();
    const plan = fixtures.preview.plan;
    plan.creates[0].changes.push({ attribute: 'Name', old: [], new: ['Grace Hopper'] });
    plan.updates = Array.from({ length: 120 }, (_, i) => ({
      key: `u${String(i).padStart(3, '0')}`, objectKey: `PPL-${200 + i}`,
      changes: [{ attribute: 'Job Title', old: ['Clerk'], new: [i === 77 ? 'Head of "Tea", Ops' : `Clerk ${i}`] }],
    }));
    // A reference: the old and new managers by their objects' labels, the keys in the tooltip.
    plan.updates[0].label = 'Ada Lovelace';
    plan.updates[0].changes.push({ attribute: 'Manager', old: ['PPL-7'], new: ['PPL-8'], oldLabels: ['Charles Babbage'], newLabels: ['Grace Hopper'] });
    fixtures.preview.counts = { ...fixtures.preview.counts, updated: 120 };
    const { page } = await open({ fixtures, query: '?tab=imports' });
    await page.getByRole('button', { name: 'Edit import Finance users' }).click();
    await page.waitForFunction(() => document.querySelector('.diag-summary')?.textContent.includes('attributes of User'));
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('.table-diff').waitFor();
    assert.deepEqual((await tableRows(page.locator('.table-creates tbody tr')))[0], ['Grace Hopper 5f1c', 'JumpCloud ID', '5f1c']);
    assert.deepEqual((await tableRows(page.locator('.table-diff tbody tr'))).slice(0, 2), [
      ['Ada Lovelace u000', 'PPL-200', 'Job Title', 'Clerk', 'Clerk 0'],
      ['Ada Lovelace u000', 'PPL-200', 'Manager', 'Charles Babbage', 'Grace Hopper'],
    ]);
    assert.equal(await page.locator('.table-diff .diff-new .ref-label').first().getAttribute('title'), 'PPL-8');
    // 120 updates: pages of 50 records.
    assert.equal(await page.locator('.table-diff tbody tr').count(), 51);
    assert.equal(await page.locator('.table-diff .table-caption').textContent(), 'Updates (old → new) (120)');
    await page.locator('.table-diff').getByRole('button', { name: 'Next' }).click();
    await page.getByText('Records 51–100 of 120').waitFor();
    assert.equal((await tableRows(page.locator('.table-diff tbody tr')))[0][0], 'u050');
    // Grouped by attribute: the attribute first, rows in its order.
    await page.getByRole('button', { name: 'Previous' }).click();
    // Keyboard: the toggle takes focus and Space flips it.
    await page.getByLabel('Group by attribute').focus();
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('.table-diff thead th')?.textContent === 'Attribute');
    const grouped = (await tableRows(page.locator('.table-diff tbody tr'))).map((r) => r[0]);
    assert.equal(grouped.at(-1), 'Manager');
    assert.ok(grouped.slice(0, -1).every((a) => a === 'Job Title'));
    await page.locator('label.toggle-text', { hasText: 'Group by attribute' }).click();
    await page.waitForFunction(() => document.querySelector('.table-diff thead th')?.textContent === 'Record');
    // The search filters every table, by id, name, attribute or value.
    const search = page.getByLabel('Search', { exact: true });
    await search.fill('grace hopper');
    await page.waitForFunction(() => !document.querySelector('.table-missing') && document.querySelectorAll('.table-creates tbody tr').length === 4);
    await search.fill('u07');
    await page.getByText('10 matching records').waitFor();
    assert.equal(await page.locator('.table-diff tbody tr').count(), 10);
    assert.equal(await page.locator('.table-creates').count(), 0);
    await search.fill('');
    await page.waitForFunction(() => document.querySelectorAll('.table-diff tbody tr').length === 51);
    // Downloads: the whole plan, not just the page shown.
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    const csv = await readFile(await csvDownload.path(), 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines[0], 'kind,record,name,object,action,attribute,old,new,level,message');
    assert.equal(lines.filter((l) => l.startsWith('update,')).length, 121);
    assert.ok(lines.includes('update,u077,,PPL-277,,Job Title,Clerk,"Head of ""Tea"", Ops",,'), csv.slice(0, 400));
    assert.ok(lines.includes('update,u000,Ada Lovelace,PPL-200,,Manager,Charles Babbage (PPL-7),Grace Hopper (PPL-8),,'));
    assert.ok(lines.includes('create,5f1c,Grace Hopper,,,Name,,Grace Hopper,,'));
    assert.match(csvDownload.suggestedFilename(), /^tributary-preview-.*\.csv$/);
    const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download JSON' }).click()]);
    const json = JSON.parse(await readFile(await jsonDownload.path(), 'utf8'));
    assert.equal(json.plan.updates.length, 120);
    assert.equal(json.results.filter((e) => e.kind === 'update').length, 120);
    await saveScreenshot(page, 'settings-preview-search');
  });

  test('a preview stopped by a guard says why first, and shows the objects as left alone', TIMEOUT, async () => {
    const fixtures = defaultFixtures();
    const reason = '5 object(s) would be deleted, more than the limit of 2 (2 of 40 keyed objects), so nothing was deleted; raise config:maxDeletions if this is intended';
    Object.assign(fixtures.preview, { status: 'stopped', guard: { reason } });
    fixtures.preview.counts = { ...fixtures.preview.counts, missing: 5, marked: 0, deleted: 0 };
    fixtures.preview.plan.missing = ['a', 'b', 'c', 'd', 'e'].map((k, i) => ({ key: k, objectKey: `PPL-${i}`, action: 'guarded' }));
    const { page } = await open({ fixtures, query: '?tab=imports' });
    await page.getByRole('button', { name: 'Edit import Finance users' }).click();
    await page.getByRole('button', { name: 'Preview' }).click();
    const guard = page.locator('.preview .guard');
    await guard.waitFor();
    assert.match(await guard.textContent(), /^Safety guard/);
    assert.equal(await guard.locator('p').textContent(),
      '5 object(s) would be deleted, more than the limit of 2 (2 of 40 keyed objects), so nothing was deleted; raise config:maxDeletions if this is intended.');
    assert.equal(await guard.getAttribute('role'), 'note');
    // The guard comes before the counts and tables.
    assert.ok(await page.locator('.preview > .guard + .counts').count() === 1);
    assert.deepEqual((await tableRows(page.locator('.table-missing tbody tr'))).map((r) => r[2]),
      Array(5).fill('Left alone: stopped by the safety guard'));
    await page.getByText('Preview ready, with a safety guard').waitFor();
    await saveScreenshot(page, 'settings-preview-guard');
  });

  test('a preview whose clears of an attribute the guard withholds says so, with the other changes listed', TIMEOUT, async () => {
    const fixtures = defaultFixtures();
    const reason = 'the run would clear Email on 12 object(s), more than the limit of 10% (4 of 40 keyed objects), so those values were kept; check the mapping and the JumpCloud field, or raise the limit (maxClears) if this is intended';
    Object.assign(fixtures.preview, { status: 'stopped', guard: { reason } });
    const { page } = await open({ fixtures, query: '?tab=imports' });
    await page.getByRole('button', { name: 'Edit import Finance users' }).click();
    await page.getByRole('button', { name: 'Preview' }).click();
    const guard = page.locator('.preview .guard');
    await guard.waitFor();
    assert.equal(await guard.locator('p').textContent(), `The run would clear Email on 12 object(s), ${reason.slice(reason.indexOf('more than'))}.`);
    assert.doesNotMatch(await guard.textContent(), /nothing was marked or deleted/);
    assert.equal(await page.locator('.table-diff tbody tr').count(), 3, 'the changes a run would write are still listed');
    await page.getByText('Preview ready, with a safety guard').waitFor();
  });

  test('a preview that failed or did not finish shows the engine\'s message, not zero counts', TIMEOUT, async () => {
    const fixtures = defaultFixtures();
    fixtures.preview = {
      runId: 'r1', importId: 'imp-1', status: 'failed', phase: 'target', progress: { done: 0, total: 0 },
      counts: {}, errors: [], errorsOmitted: 0, apiCalls: {}, durationMs: 5, startedAt: 1, finishedAt: 6,
      message: 'no object type named "Usr" in schema People',
    };
    const { page } = await open({ fixtures, query: '?tab=imports' });
    await page.getByRole('button', { name: 'Edit import Finance users' }).click();
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('alert').filter({ hasText: 'The preview failed: no object type named "Usr" in schema People' }).waitFor();
    assert.equal(await page.locator('.preview .run-message').textContent(), 'No object type named "Usr" in schema People.');
    assert.equal(await page.locator('.preview .count').count(), 0);
    assert.doesNotMatch(await page.locator('.preview').textContent(), /null|undefined/);
  });

  test('fetch sample shows the raw JumpCloud JSON', TIMEOUT, async () => {
    const { page } = await open({ query: '?tab=imports' });
    await page.getByRole('button', { name: 'Edit import Finance users' }).click();
    await page.waitForFunction(() => document.querySelector('.diag-summary')?.textContent.includes('attributes of User'));
    await page.getByRole('button', { name: 'Fetch sample' }).click();
    await page.getByText('Fetched 2 of 42 sample records.').waitFor();
    assert.equal(await page.locator('.sample-request').textContent(), 'Request: /api/systemusers?limit=5&skip=0&sort=_id');
    const raw = JSON.parse(await page.getByLabel('Raw JumpCloud JSON').textContent());
    assert.equal(raw.username, 'ada');
    await chooseOption(page, 'Show', /^Record 2 of 2/);
    assert.equal(JSON.parse(await page.getByLabel('Raw JumpCloud JSON').textContent()).username, 'alan');
    // The browser core shows what the mapping makes of the record, as the Node core does.
    const mapping = await mappingText(page);
    const expected = nodeCore.preview(mapping, JSON.stringify(defaultFixtures().sample[1]), JSON.stringify(userAttributes));
    const rows = await page.locator('.table-record tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.deepEqual(rows, expected.values.map((v) => [v.attribute, v.values.map((x) => x.canonical).join(', ')]));
    assert.deepEqual(rows.slice(0, 2), [['JumpCloud ID', '5f1b'], ['First Name', 'Alan']]);
    // Editing the mapping re-maps the shown record at once.
    const editor = page.getByLabel('Mapping', { exact: true });
    await editor.fill(mapping.replace('map:firstname=First Name', 'map:username=First Name'));
    await page.waitForFunction(() => [...document.querySelectorAll('.table-record tbody tr')].some((tr) => tr.textContent === 'First Namealan'));
    const call = (await resolverCalls(page)).find((c) => c.name === 'fetchSample');
    assert.equal(call.payload.importId, 'imp-1');
    assert.equal(call.payload.limit, 5);
    assert.match(call.payload.mapping, /^key:_id=JumpCloud ID/);
  });

  test('run history shows the stored run records: status, progress, counts, every record\'s result, and polls while running', TIMEOUT, async () => {
    const fixtures = defaultFixtures();
    // getRunResults (CONTRACT-13): every per-record result of run-1, labelled.
    fixtures.results = {
      'run-1': [
        { kind: 'create', key: '5f1c', label: 'Grace Hopper', changes: [{ attribute: 'First Name', old: [], new: ['Grace'] }] },
        { kind: 'update', key: '5f1a', label: 'Ada Lovelace', objectKey: 'PPL-101', changes: [
          { attribute: 'Manager', old: ['PPL-7'], new: ['PPL-8'], oldLabels: ['Charles Babbage'], newLabels: ['Alan Turing'] }] },
        { kind: 'error', key: '5f1d', label: 'Grace H.', attribute: 'Email', message: 'Assets refused the record: not a valid email address', level: 'error' },
      ],
    };
    const { page } = await open({ fixtures, query: '?tab=runs' });
    const finished = page.locator('[data-run-id="run-1"]');
    await finished.waitFor();
    assert.equal(await finished.locator('.badge').textContent(), 'Partial', 'a record failed');
    assert.deepEqual(await tileCounts(finished.locator('.count')),
      { source: 44, created: 1, updated: 2, unchanged: 40, missing: 0, marked: 0, deleted: 0, failed: 1, incomplete: 0, warnings: 0 });
    // A run with problems shows them at once, from its stored record (no call).
    assert.deepEqual(await tableRows(finished.locator('.table-errors tbody tr')),
      [['5f1d', 'Email', 'Error', 'Assets refused the record: not a valid email address']]);
    assert.equal((await resolverCalls(page)).filter((c) => c.name === 'getRunResults').length, 0);
    // Every record's result comes from getRunResults, labelled, references by their objects' labels.
    await finished.getByRole('button', { name: 'Show every record’s result' }).click();
    await finished.locator('.table-diff').waitFor();
    assert.deepEqual(await tableRows(finished.locator('.table-errors tbody tr')),
      [['Grace H. 5f1d', 'Email', 'Error', 'Assets refused the record: not a valid email address']]);
    assert.deepEqual(await tableRows(finished.locator('.table-diff tbody tr')),
      [['Ada Lovelace 5f1a', 'PPL-101', 'Manager', 'Charles Babbage', 'Alan Turing']]);
    assert.equal(await finished.locator('.run-title').textContent(), 'Finance users');
    // startedAt/finishedAt are ms since the epoch; durationMs is shown too (not the invocations: plain words).
    const time = await finished.locator('.run-time').textContent();
    assert.match(time, /2026.*→.*\(1 min 10 s\)$/);
    assert.match(await finished.locator('.api-calls').textContent(), /^API calls: JumpCloud 1, Assets searches 2, creates 1, updates 2, other Assets reads 3$/);
    // Every record's result downloads as CSV, read from the server, not only the page shown.
    const [results] = await Promise.all([page.waitForEvent('download'), finished.getByRole('button', { name: 'Download all results (CSV)' }).click()]);
    const csv = (await readFile(await results.path(), 'utf8')).trimEnd().split('\r\n');
    assert.deepEqual(csv, [
      'kind,record,name,object,action,attribute,old,new,level,message',
      'create,5f1c,Grace Hopper,,,First Name,,Grace,,',
      'update,5f1a,Ada Lovelace,PPL-101,,Manager,Charles Babbage (PPL-7),Alan Turing (PPL-8),,',
      'error,5f1d,Grace H.,,,Email,,,error,Assets refused the record: not a valid email address',
    ]);
    assert.match(results.suggestedFilename(), /^tributary-run-run-1-.*\.csv$/);
    const asked = (await resolverCalls(page)).filter((c) => c.name === 'getRunResults').at(-1).payload;
    assert.deepEqual(asked, { importId: 'imp-1', runId: 'run-1', offset: 0, limit: 500 });

    // Newest first: the run in progress (stored status `continue`) is on top.
    assert.deepEqual(await page.locator('.run').evaluateAll((runs) => runs.map((r) => r.dataset.runId)), ['run-2', 'run-1']);
    const running = page.locator('[data-run-id="run-2"]');
    assert.equal(await running.getAttribute('data-status'), 'continue');
    assert.equal(await running.locator('.badge').textContent(), 'Running');
    assert.match(await running.locator('.run-progress').textContent(), /Phase: Writing to Assets.*10 of 20 writes \(50%\) · running for \d/);
    assert.equal(await running.getByRole('progressbar').getAttribute('aria-valuenow'), '0.5');
    // The page polls on its own until the run is over.
    await page.locator('[data-run-id="run-2"][data-status="succeeded"]').waitFor({ timeout: 15_000 });
    await page.getByText('Run of Finance users: succeeded.').waitFor({ state: 'attached' });
    const polls = (await resolverCalls(page)).filter((c) => c.name === 'listRuns').length;
    await page.waitForTimeout(2500);
    assert.equal((await resolverCalls(page)).filter((c) => c.name === 'listRuns').length, polls, 'polling stops when nothing runs');
    await saveScreenshot(page, 'settings-run-history');
  });

  test('a running run\'s progress is seen advancing at least twice before it completes', TIMEOUT, async () => {
    const fixtures = defaultFixtures();
    fixtures.runStep = 1;
    fixtures.runs = [{ ...fixtures.runs[0], progress: { done: 0, total: 3 } }];
    const { page } = await open({ fixtures, query: '?tab=runs' });
    const running = page.locator('[data-run-id="run-2"]');
    const seen = [];
    for (const done of ['1', '2']) {
      await page.locator(`[data-run-id="run-2"] .run-progress[data-done="${done}"]`).waitFor({ timeout: 10_000 });
      seen.push(await running.locator('.progress-text').textContent());
      await saveScreenshot(page, `settings-run-progress-${done}`);
    }
    assert.match(seen[0], /^1 of 3 writes \(33%\)/);
    assert.match(seen[1], /^2 of 3 writes \(67%\)/);
    assert.equal(await running.getAttribute('data-status'), 'continue', 'both seen before the end');
    await page.locator('[data-run-id="run-2"][data-status="succeeded"]').waitFor({ timeout: 10_000 });
    assert.equal(await running.locator('.run-progress').count(), 0);
  });

  test('a running run can be cancelled, after a confirmation; a backend without cancelRun is said in plain words', TIMEOUT, async () => {
    const fixtures = defaultFixtures();
    fixtures.runStep = 0; // it stays running until cancelled
    const { page } = await open({ fixtures, query: '?tab=runs' });
    const running = page.locator('[data-run-id="run-2"]');
    await running.getByRole('button', { name: 'Cancel run' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel this run?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.ok(!(await resolverCalls(page)).some((c) => c.name === 'cancelRun'), 'nothing cancelled without a yes');
    await running.getByRole('button', { name: 'Cancel run' }).click();
    await dialog.getByRole('button', { name: 'Cancel the run' }).click();
    await page.locator('[data-run-id="run-2"][data-status="interrupted"]').waitFor({ timeout: 10_000 });
    assert.deepEqual((await resolverCalls(page)).find((c) => c.name === 'cancelRun').payload, { importId: 'imp-1', runId: 'run-2' });
    assert.equal(await running.getByRole('button', { name: 'Cancel run' }).count(), 0);
    // An app version without the resolver.
    const older = defaultFixtures();
    older.runStep = 0;
    older.fail = { cancelRun: "There was an error invoking the function - Resolver has no definition for 'cancelRun'." };
    const second = await open({ fixtures: older, query: '?tab=runs' });
    await second.page.locator('[data-run-id="run-2"]').getByRole('button', { name: 'Cancel run' }).click();
    await second.page.getByRole('dialog', { name: 'Cancel this run?' }).getByRole('button', { name: 'Cancel the run' }).click();
    await second.page.getByRole('alert').filter({ hasText: 'Could not cancel the run: this version of the app on your site cannot do that yet.' }).waitFor();
  });

  test('an interrupted run says so in plain words, and is not green', TIMEOUT, async () => {
    const fixtures = defaultFixtures();
    fixtures.runs = [{ ...fixtures.runs[1], runId: 'run-i', status: 'interrupted', phase: 'write', errors: [], finishedAt: undefined }];
    const { page } = await open({ fixtures, query: '?tab=runs' });
    const card = page.locator('[data-run-id="run-i"]');
    await card.waitFor();
    assert.equal(await card.locator('.badge').textContent(), 'Interrupted');
    assert.match(await card.locator('.interrupted-text').textContent(),
      /^It stopped before it finished, while writing to Assets\. What it had written stays in Assets; nothing more will be\./);
    assert.doesNotMatch(await card.textContent(), /interrupted\b.*\binterrupted\b.*code|E\d{3}/);
  });

  test('run history: a failed run says why, a busy one that it was skipped, a guarded one why nothing was retired', TIMEOUT, async () => {
    const fixtures = defaultFixtures();
    const base = { importId: 'imp-1', progress: { done: 0, total: 0 }, errors: [], errorsOmitted: 0, apiCalls: {}, durationMs: 3, invocations: 1 };
    fixtures.runs = [
      { ...base, runId: 'run-f', status: 'failed', phase: 'readSource', startedAt: 3000, finishedAt: 3003, counts: {},
        message: 'JumpCloud refused the API key (HTTP 401)' },
      { ...base, runId: 'run-b', status: 'busy', phase: 'config', startedAt: 2000, finishedAt: 2000,
        message: 'another run of this import is going on' },
      { ...base, runId: 'run-g', status: 'stopped', phase: 'done', startedAt: 1000, finishedAt: 1500,
        counts: { source: 0, missing: 40 }, guard: { reason: 'the source returned no records, so nothing was deleted (40 object(s) would have been); check the import\'s filters and the JumpCloud connection' } },
      // An old record with hardly any fields must not break the list.
      { runId: 'run-old', status: 'succeeded' },
    ];
    const { page } = await open({ fixtures, query: '?tab=runs' });
    await page.locator('[data-run-id="run-old"]').waitFor();
    assert.equal(await page.locator('[data-run-id="run-f"] .badge').textContent(), 'Failed');
    assert.equal(await page.locator('[data-run-id="run-f"] .run-message').textContent(), 'JumpCloud refused the API key (HTTP 401).');
    assert.equal(await page.locator('[data-run-id="run-f"] .progress-text').textContent(), 'Stopped while reading JumpCloud.');
    assert.equal(await page.locator('[data-run-id="run-b"] .badge').textContent(), 'Skipped');
    assert.equal(await page.locator('[data-run-id="run-b"] .run-message').textContent(), 'Another run of this import is going on.');
    assert.equal(await page.locator('[data-run-id="run-b"] .count').count(), 0, 'a skipped run shows no zero counts');
    assert.equal(await page.locator('[data-run-id="run-f"] .count').count(), 0, 'nor does a run that failed before reading anything');
    assert.equal(await page.locator('[data-run-id="run-old"] .run-title').textContent(), 'Unknown import');
    assert.equal(await page.locator('[data-run-id="run-g"] .badge').textContent(), 'Stopped by a guard');
    assert.match(await page.locator('[data-run-id="run-g"] .guard').textContent(),
      /^Safety guardThe source returned no records, so nothing was deleted \(40 object\(s\) would have been\)/);
    assert.deepEqual(await page.locator('.run').evaluateAll((runs) => runs.map((r) => r.dataset.runId)), ['run-f', 'run-b', 'run-g', 'run-old']);
    await saveScreenshot(page, 'settings-run-outcomes');
  });

  test('a partial run is not shown green: in the run history and in the imports list', TIMEOUT, async () => {
    const fixtures = defaultFixtures();
    fixtures.runs = [{
      ...fixtures.runs[1], runId: 'run-p', status: 'partial',
      counts: { ...fixtures.runs[1].counts, failed: 0, incomplete: 3 },
      errors: [{ key: '5f1d', attribute: 'Manager', message: 'no object of type 12 has the key value "x"; the reference was left out', level: 'error' }],
    }, { ...fixtures.runs[1], runId: 'run-s', status: 'succeeded', startedAt: 1000, finishedAt: 2000, counts: { created: 1 }, errors: [] }];
    const { page } = await open({ fixtures, query: '?tab=runs' });
    const badge = page.locator('[data-run-id="run-p"] .badge');
    await badge.waitFor();
    assert.equal(await badge.textContent(), 'Partial');
    // The Atlaskit Lozenge inside the status cell: its text and background colours.
    const colours = (locator) => locator.evaluate((el) => {
      const lozenge = el.firstElementChild;
      return [getComputedStyle(lozenge.firstElementChild ?? lozenge).color, getComputedStyle(lozenge).backgroundColor];
    });
    const green = await colours(page.locator('[data-run-id="run-s"] .badge'));
    const partial = await colours(badge);
    assert.notEqual(partial[0], green[0], 'not the green of succeeded');
    assert.notEqual(partial[1], green[1]);
    assert.ok(await page.locator('[data-run-id="run-p"] .count-incomplete.count-bad').count() === 1, 'the incomplete records are shown as bad');
    // A backend without getRunResults: the stored problems stay, and the page says that is all it has.
    await page.locator('[data-run-id="run-p"]').getByRole('button', { name: 'Show every record’s result' }).click();
    await page.locator('[data-run-id="run-p"] .results-note').waitFor();
    assert.match(await page.locator('[data-run-id="run-p"] .results-note').textContent(), /^Only the problems kept in the run record are shown: /);
    assert.equal(await page.locator('[data-run-id="run-p"] .table-errors tbody tr').count(), 1);
    await page.getByRole('tab', { name: 'Imports' }).click();
    const listBadge = page.locator('.imports-list tbody tr .badge');
    await listBadge.waitFor();
    assert.equal(await listBadge.getAttribute('data-status'), 'partial');
    assert.equal(await listBadge.textContent(), 'Partial');
    assert.deepEqual(await colours(listBadge), partial);
  });

  test('run now saves changes, shows the run as queued until it begins, and follows it', TIMEOUT, async () => {
    const { page } = await open({ query: '?tab=imports' });
    await page.getByRole('button', { name: 'Edit import Finance users' }).click();
    await page.waitForFunction(() => document.querySelector('.diag-summary')?.textContent.includes('attributes of User'));
    await chooseOption(page, 'Runs', 'Every hour');
    await page.getByRole('button', { name: 'Run now' }).click();
    // First what the run will do (the dry run's counts); Cancel runs nothing.
    const dialog = page.getByRole('dialog', { name: 'Run this import now?' });
    await dialog.waitFor();
    assert.equal(await dialog.locator('.confirm-body').textContent(),
      'The run will create 1, update 2, clear 0 values, retire 1 (mark 1, delete 0) Assets objects. 1 record would fail.');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.getByText('Nothing was run.').waitFor();
    await dialog.waitFor({ state: 'detached' });
    assert.ok(!(await resolverCalls(page)).some((c) => c.name === 'runImport'));
    await page.getByRole('button', { name: 'Run now' }).click();
    await dialog.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('tab', { name: 'Run history', selected: true }).waitFor();
    const calls = await resolverCalls(page);
    const names = calls.map((c) => c.name);
    assert.ok(names.indexOf('saveImport') < names.indexOf('runImport'), 'unsaved changes are saved before the run');
    assert.equal(calls.find((c) => c.name === 'saveImport').payload.import.schedule, 'hourly');
    assert.deepEqual(calls.find((c) => c.name === 'runImport').payload, { importId: 'imp-1' });
    const { runId } = await page.evaluate(() => ({ runId: globalThis.__fakeState.queued[0]?.runId ?? globalThis.__fakeState.runs.at(-1).runId }));
    const started = page.locator(`.run[data-run-id="${runId}"]`);
    // The first listRuns after the start does not have the record yet: a queued placeholder.
    await page.locator(`.run[data-run-id="${runId}"][data-status="queued"]`).waitFor();
    assert.equal(await started.locator('.badge').textContent(), 'Queued');
    await page.locator(`.run[data-run-id="${runId}"][data-status="succeeded"]`).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('.run[data-status="queued"]').count(), 0, 'the placeholder is replaced by the record');
    await page.waitForFunction(() => !document.querySelector('.run[data-status="continue"]'), null, { timeout: 15_000 });
  });

  test('unsaved edits: Close asks first, a reload warns and brings them back; names are unique', TIMEOUT, async () => {
    const { page } = await open({ query: '?tab=imports' });
    await page.getByRole('button', { name: 'Edit import Finance users' }).click();
    await page.waitForFunction(() => document.querySelector('.diag-summary')?.textContent.includes('attributes of User'));
    assert.equal(await page.getByRole('button', { name: 'Save', exact: true }).count(), 1, 'nothing unsaved yet');
    const edited = `${await mappingText(page)}map:jobTitle=Job Title\n`;
    await typeMapping(page, edited);
    await page.getByRole('button', { name: 'Save (unsaved changes)' }).waitFor();
    // Close asks; Cancel keeps the form and the edits.
    await page.getByRole('button', { name: 'Close', exact: true }).click();
    const ask = page.getByRole('dialog', { name: 'Discard your unsaved changes?' });
    await ask.waitFor();
    await ask.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await mappingText(page), edited);
    // A reload warns (beforeunload), then the edits come back from the kept draft.
    const dialogs = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.type());
      dialog.accept();
    });
    await page.reload();
    assert.deepEqual(dialogs, ['beforeunload']);
    await page.getByRole('button', { name: 'Edit import Finance users' }).click();
    await page.getByText(/^Your unsaved edits from .* are back\. Save them, or Close to discard them\.$/).waitFor();
    assert.equal(await mappingText(page), edited);
    assert.ok(!(await resolverCalls(page)).some((c) => c.name === 'saveImport'), 'nothing was saved behind the admin\'s back');
    // Discarding forgets them: the next open shows the saved mapping.
    await page.getByRole('button', { name: 'Close', exact: true }).click();
    await ask.getByRole('button', { name: 'Discard changes' }).click();
    await page.getByRole('button', { name: 'Edit import Finance users' }).click();
    await page.waitForFunction(() => document.querySelector('.diag-summary')?.textContent.includes('attributes of User'));
    assert.notEqual(await mappingText(page), edited);
    assert.equal(await page.getByText(/are back/).count(), 0);
    await page.getByRole('button', { name: 'Close', exact: true }).click();
    // Two imports cannot share a name.
    await page.getByRole('button', { name: 'Add import' }).click();
    await page.getByLabel('Name', { exact: true }).fill('finance users ');
    await chooseOption(page, 'Assets object schema', 'People (PPL)');
    await chooseOption(page, 'Object type', 'User');
    await page.getByRole('button', { name: /^Save/ }).click();
    await page.getByText('Another import is already called "finance users". Give this one its own name.').waitFor();
    assert.ok(!(await resolverCalls(page)).some((c) => c.name === 'saveImport'));
    await saveScreenshot(page, 'settings-unsaved-guard');
  });

  test('empty states say the next step: without a connection, Connect JumpCloud first', TIMEOUT, async () => {
    const fixtures = defaultFixtures();
    fixtures.imports = [];
    fixtures.connection = { region: 'US', hasApiKey: false };
    const { page } = await open({ fixtures, query: '?tab=imports' });
    await page.getByRole('heading', { name: 'Connect JumpCloud first' }).waitFor();
    await saveScreenshot(page, 'settings-empty-connect-first');
    await page.getByRole('button', { name: 'Connect JumpCloud' }).click();
    await page.getByRole('tab', { name: 'Connection', selected: true }).waitFor();
    await page.getByLabel('JumpCloud API key').waitFor();
  });

  test('delete asks first, then removes the import', TIMEOUT, async () => {
    const { page } = await open({ query: '?tab=imports' });
    await page.getByRole('button', { name: 'Edit import Finance users' }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this import?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.ok(!(await resolverCalls(page)).some((c) => c.name === 'deleteImport'));
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.getByRole('button', { name: 'Delete import' }).click();
    await page.getByText('The import was deleted.').waitFor();
    assert.deepEqual((await resolverCalls(page)).find((c) => c.name === 'deleteImport').payload, { id: 'imp-1' });
    await page.getByRole('heading', { name: 'No imports yet' }).waitFor();
  });

  test('a preview that goes on in the background: live progress, then its results paged and searched on the server', TIMEOUT, async () => {
    const fixtures = defaultFixtures();
    fixtures.background = {
      runId: 'pv-1', total: 300,
      finished: { status: 'partial', phase: 'done', counts: counts({ source: 300, updated: 120, unchanged: 179, failed: 1 }) },
    };
    fixtures.results = {
      'pv-1': [
        ...Array.from({ length: 120 }, (_, i) => ({
          kind: 'update', key: `u${String(i).padStart(3, '0')}`, label: `Person ${i}`, objectKey: `PPL-${200 + i}`,
          changes: [{ attribute: 'Job Title', old: ['Clerk'], new: [`Clerk ${i}`] }],
        })),
        { kind: 'error', key: 'e1', label: 'Broken Record', attribute: 'Email', message: 'not a valid email address', level: 'error' },
      ],
    };
    const { page } = await open({ fixtures, query: '?tab=imports' });
    await page.getByRole('button', { name: 'Edit import Finance users' }).click();
    await page.waitForFunction(() => document.querySelector('.diag-summary')?.textContent.includes('attributes of User'));
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByText('The preview continues in the background').waitFor();
    // Progress seen advancing twice (getRun every ~2 s) before the results.
    for (const done of ['100', '200']) {
      await page.locator(`.preview .run-progress[data-done="${done}"]`).waitFor({ timeout: 10_000 });
      assert.match(await page.locator('.preview .progress-text').textContent(), new RegExp(`^${done} of 300 `));
      assert.equal(await page.locator('.preview .table-diff').count(), 0, 'no results before the end');
      await saveScreenshot(page, `settings-background-preview-${done}`);
    }
    await page.getByText('Preview ready: some records would fail or lack some values').waitFor({ timeout: 10_000 });
    await page.locator('.preview .table-diff').waitFor();
    assert.equal(await page.locator('.preview .run-progress').count(), 0);
    assert.deepEqual(await tileCounts(page.locator('.preview .count')),
      { source: 300, created: 0, updated: 120, unchanged: 179, missing: 0, marked: 0, deleted: 0, failed: 1, incomplete: 0, warnings: 0 });
    assert.deepEqual((await tableRows(page.locator('.table-diff tbody tr')))[0], ['Person 0 u000', 'PPL-200', 'Job Title', 'Clerk', 'Clerk 0']);
    assert.equal(await page.locator('.table-diff tbody tr').count(), 50);
    assert.deepEqual(await tableRows(page.locator('.table-errors tbody tr')), [['Broken Record e1', 'Email', 'Error', 'not a valid email address']]);
    // Paging asks the server for the next page.
    await page.locator('.table-diff').getByRole('button', { name: 'Next' }).click();
    await page.getByText('Records 51–100 of 120').waitFor();
    const paged = (await resolverCalls(page)).filter((c) => c.name === 'getRunResults' && c.payload.kind === 'update').at(-1).payload;
    assert.deepEqual(paged, { importId: 'imp-1', runId: 'pv-1', offset: 50, limit: 50, kind: 'update' });
    // So does the search.
    await page.getByLabel('Search', { exact: true }).fill('person 7');
    await page.getByText('11 matching records').waitFor();
    assert.ok((await resolverCalls(page)).some((c) => c.name === 'getRunResults' && c.payload.query === 'person 7'));
    assert.equal(await page.locator('.table-errors').count(), 0);
    assert.ok(!(await resolverCalls(page)).some((c) => c.name === 'saveImport'), 'preview never saves');
    await noCspViolations(page);
  });

  test('Run all asks first, then queues every enabled import and follows them in the history', TIMEOUT, async () => {
    const fixtures = defaultFixtures();
    fixtures.imports.push({ ...fixtures.imports[0], id: 'imp-2', name: 'Laptops', enabled: false });
    const { page } = await open({ fixtures, query: '?tab=imports' });
    await page.getByRole('button', { name: 'Run all' }).click();
    const dialog = page.getByRole('dialog', { name: 'Run every import now?' });
    await dialog.waitFor();
    assert.match(await dialog.locator('.confirm-body').textContent(), /^The 1 enabled import \(Finance users\) will run one after another, those that others refer to first\./);
    await saveScreenshot(page, 'settings-run-all-confirm');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.ok(!(await resolverCalls(page)).some((c) => c.name === 'runAll'), 'Escape runs nothing');
    await page.getByRole('button', { name: 'Run all' }).click();
    await dialog.getByRole('button', { name: 'Run all' }).click();
    await page.getByRole('tab', { name: 'Run history', selected: true }).waitFor();
    assert.deepEqual((await resolverCalls(page)).find((c) => c.name === 'runAll').payload, {});
    await page.getByText('1 import queued').waitFor();
    // Queued until its record appears, then followed to its end.
    await page.locator('.run[data-status="queued"]').filter({ hasText: 'Finance users' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.run').length === 3 && !document.querySelector('.run[data-status="queued"]'), null, { timeout: 10_000 });
    await page.waitForFunction(() => !document.querySelector('.run[data-status="continue"]'), null, { timeout: 15_000 });
  });

  test('schedule controls: weekly at a time in a time zone, the next run as the core computes it, saved as the core reads it', TIMEOUT, async () => {
    const { page } = await open({ query: '?tab=imports' });
    await page.getByRole('button', { name: 'Edit import Finance users' }).click();
    await page.waitForFunction(() => document.querySelector('.diag-summary')?.textContent.includes('attributes of User'));
    assert.equal(await chosenOption(page, 'Runs'), 'Every day');
    // The frequencies are the core's, in its order.
    await page.getByLabel('Runs', { exact: true }).focus();
    await page.keyboard.press('ArrowDown');
    const offered = await page.getByRole('option').allTextContents();
    assert.equal(offered.length, nodeCore.vocabulary().schedules.length);
    await page.getByRole('option', { name: 'Every week', exact: true }).click();
    await chooseOption(page, 'Day', 'Friday');
    await page.getByLabel('Time of day').fill('18:00');
    await page.getByLabel('Time zone', { exact: true }).focus();
    await page.keyboard.type('Europe/Oslo');
    await page.keyboard.press('Enter');
    const spec = { every: 'weekly', at: '18:00', day: 'friday', timeZone: 'Europe/Oslo' };
    const next = nodeCore.nextScheduledRun(spec, undefined, Date.now());
    const expected = `Next run: ${new Date(next).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Oslo' })} (Europe/Oslo).`;
    await page.locator('.next-run').filter({ hasText: expected }).waitFor();
    assert.equal(new Date(next + 3_600_000).getUTCDay(), 5, 'a Friday in Oslo');
    await saveScreenshot(page, 'settings-schedule');
    await page.getByRole('button', { name: 'Save (unsaved changes)' }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    assert.deepEqual((await resolverCalls(page)).find((c) => c.name === 'saveImport').payload.import.schedule, spec);
    assert.match(await page.getByRole('row', { name: /Finance users/ }).textContent(), /Every Friday at 18:00 \(Europe\/Oslo\)/);
    // Manual: no next run but Run now.
    await chooseOption(page, 'Runs', 'Manual only');
    await page.getByText('Next run: only when you press Run now.').waitFor();
  });

  test('the missing-objects policy and its guards: form controls in step with the mapping text', TIMEOUT, async () => {
    const { page } = await open({ query: '?tab=imports' });
    await page.getByRole('button', { name: 'Edit import Finance users' }).click();
    await page.waitForFunction(() => document.querySelector('.diag-summary')?.textContent.includes('attributes of User'));
    assert.equal(await chosenOption(page, 'Its Assets object'), 'Leave the object as it is');
    await chooseOption(page, 'Its Assets object', 'Delete it');
    await page.waitForFunction(() => document.querySelector('.editor-frame').shadowRoot.querySelector('.cm-content').textContent.includes('config:missing=delete'));
    // The core warns about deleting without a limit (W007); the limit control takes it away.
    await page.locator('.diag-code', { hasText: 'W007' }).waitFor({ state: 'attached' });
    assert.equal(await page.locator('.diag-code', { hasText: 'W007' }).isVisible(), false, 'the rule code shows on hover only');
    await page.locator('.diag', { hasText: 'W007' }).hover();
    assert.equal(await page.locator('.diag-code', { hasText: 'W007' }).isVisible(), true);
    await page.getByLabel('Retire at most').fill('5%');
    await page.waitForFunction(() => !document.querySelector('.diag-code') || ![...document.querySelectorAll('.diag-code')].some((c) => c.textContent === 'W007'));
    assert.match(await mappingText(page), /^config:missing=delete\nconfig:maxDeletions=5%$/m);
    // An edit of the text shows in the controls.
    const text = (await mappingText(page)).replace('config:missing=delete', 'config:missing=mark|Last Name=Gone');
    await typeMapping(page, text);
    await page.waitForFunction(() => document.querySelector('.tb-select__single-value')?.closest('.field') && [...document.querySelectorAll('.policy .tb-select__single-value')].some((v) => v.textContent === 'Mark it (set attributes)'));
    assert.equal(await page.getByLabel('Mark with').inputValue(), 'Last Name=Gone');
    assert.equal(await page.getByLabel('Retire at most').inputValue(), '5%');
  });

  test('Jira\'s dark theme: the page follows it, Atlaskit components included', TIMEOUT, async () => {
    const fixtures = defaultFixtures();
    fixtures.theme = 'dark';
    const { page } = await open({ fixtures, query: '?tab=runs' });
    await page.locator('html[data-color-mode="dark"]').waitFor({ state: 'attached' });
    await page.locator('[data-run-id="run-1"]').waitFor();
    const colours = await page.evaluate(() => ({
      body: getComputedStyle(document.body).backgroundColor,
      text: getComputedStyle(document.body).color,
      card: getComputedStyle(document.querySelector('.run')).backgroundColor,
      tab: getComputedStyle(document.querySelector('[role="tab"][aria-selected="true"]')).color,
    }));
    assert.ok(luminance(colours.body) < 0.05, `a dark page: ${colours.body}`);
    assert.ok(luminance(colours.card) < 0.05, `dark cards: ${colours.card}`);
    assert.ok(luminance(colours.text) > 0.5, `light text: ${colours.text}`);
    assert.ok(luminance(colours.tab) > 0.2, `the selected tab stays readable: ${colours.tab}`);
    assert.ok((await resolverCalls(page)) && (await page.evaluate(() => globalThis.__bridgeCalls.some((c) => c.type === 'enableTheming'))));
    assert.equal(await page.locator('h1').count(), 0, 'no title of its own');
    await saveScreenshot(page, 'settings-dark-runs');
    await page.getByRole('tab', { name: 'Imports' }).click();
    await page.getByRole('button', { name: 'Edit import Finance users' }).click();
    await page.waitForFunction(() => document.querySelector('.diag-summary')?.textContent.includes('attributes of User'));
    await saveScreenshot(page, 'settings-dark-import');
    await noCspViolations(page);
  });

  test('keyboard only: tabs by arrow keys, buttons by Enter, pickers by arrows, dialogs by Escape', TIMEOUT, async () => {
    const fixtures = defaultFixtures();
    fixtures.imports = [];
    const { page } = await open({ fixtures });
    await page.getByText('A key is stored').waitFor();
    await page.getByRole('tab', { name: 'Connection' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.getByRole('tab', { name: 'Imports', selected: true }).waitFor();
    // Tab moves on to the panel's first control: Add import.
    let reached = '';
    for (let i = 0; i < 10 && reached !== 'Add import'; i += 1) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.textContent ?? '');
    }
    assert.equal(reached, 'Add import');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'New import' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'New import', 'the form takes focus');
    await page.getByLabel('Name', { exact: true }).focus();
    await page.keyboard.type('Keyboard users');
    await page.getByLabel('Assets object schema').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => [...document.querySelectorAll('.tb-select__placeholder')].some((p) => p.textContent === 'Choose an object type'));
    assert.equal(await chosenOption(page, 'Assets object schema'), 'People (PPL)');
    await page.getByLabel('Object type').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('.diag-summary')?.textContent.includes('attributes of User'));
    // Close with edits: the dialog is keyboard-operable too (Escape cancels).
    await page.getByRole('button', { name: 'Close', exact: true }).focus();
    await page.keyboard.press('Enter');
    const ask = page.getByRole('dialog', { name: 'Discard your unsaved changes?' });
    await ask.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel', 'the safe choice has focus');
    await page.keyboard.press('Escape');
    await ask.waitFor({ state: 'detached' });
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Keyboard users');
    // Every focused control shows where the focus is.
    await page.getByRole('button', { name: 'Preview' }).focus();
    const ring = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement);
      return style.outlineStyle !== 'none' || style.boxShadow !== 'none';
    });
    assert.ok(ring, 'a visible focus ring');
    await saveScreenshot(page, 'settings-keyboard');
  });

  for (const [width, height] of [[1280, 800], [1920, 1080]]) {
    test(`fits ${width}×${height}: the form, the preview and the history, without sideways scrolling`, TIMEOUT, async () => {
      const { page } = await open({ query: '?tab=imports', viewport: { width, height } });
      await page.getByRole('button', { name: 'Edit import Finance users' }).click();
      await page.waitForFunction(() => document.querySelector('.diag-summary')?.textContent.includes('attributes of User'));
      await page.getByRole('button', { name: 'Preview' }).click();
      await page.locator('.table-diff').waitFor();
      const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.equal(await overflow(), 0);
      await saveScreenshot(page, `settings-${width}x${height}-preview`);
      await page.getByRole('tab', { name: 'Run history' }).click();
      await page.locator('[data-run-id="run-1"] .table-errors').waitFor();
      assert.equal(await overflow(), 0);
      await saveScreenshot(page, `settings-${width}x${height}-history`);
    });
  }

  test('without WebAssembly (CSP refuses it) diagnostics come from the validateMapping resolver', TIMEOUT, async () => {
    const strict = await startStaticServer(undefined, { csp: NO_WASM_CSP });
    try {
      const { page } = await open({ server: strict, query: '?tab=imports' });
      await page.getByText('the browser does not allow WebAssembly on this page').waitFor();
      await page.getByRole('button', { name: 'Add import' }).click();
      await page.getByLabel('Mapping', { exact: true }).fill('bad line\n');
      await page.waitForFunction(() => globalThis.__bridgeCalls.some((c) => c.payload?.functionKey === 'validateMapping' && c.payload.payload.text === 'bad line\n'));
      await page.getByText('from the server: this line has no `=`').waitFor();
      assert.match(await page.locator('.diag-summary').textContent(), /by the server/);
      const validations = (await resolverCalls(page)).filter((c) => c.name === 'validateMapping');
      assert.equal(validations.at(-1).payload.text, 'bad line\n');
      assert.equal(await page.getByRole('button', { name: 'Format' }).isDisabled(), true);
    } finally {
      await strict.close();
    }
  });

  test('outside Jira (no bridge) the page says where to open it', TIMEOUT, async () => {
    const { page } = await open({ bridge: false });
    await page.getByText('This page has no connection to Jira.').waitFor();
    await saveScreenshot(page, 'settings-outside-jira');
  });
});
