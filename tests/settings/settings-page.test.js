// The settings page in a real browser (Debian's Chromium): the bundle, the real WebAssembly
// core, and a fake Forge bridge implementing the resolver contract in the page.
// Build first: node scripts/build-wasm.mjs && node scripts/build-settings.mjs
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  FORGE_LIKE_CSP, NO_WASM_CSP, browserSkipReason, defaultFixtures, launchChromium, openPage,
  resolverCalls, startStaticServer, userAttributes,
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
    const result = await openPage(browser, options.server?.url ?? server.url, { ...options, fixtures });
    opened.push(result);
    return result;
  }

  async function noCspViolations(page) {
    assert.deepEqual(await page.evaluate(() => globalThis.__cspViolations), []);
  }

  test('the wasm core loads in the browser and marks a bad mapping with real diagnostics', TIMEOUT, async () => {
    const { page, errors } = await open({ query: '?tab=imports' });
    await page.getByRole('button', { name: 'Add import' }).click();
    const editor = page.getByLabel('Mapping', { exact: true });
    const bad = 'map:firstname=First Name\nmap:lastname Last Name\nbogus:thing=x\nmap:email=Email\n';
    await editor.fill(bad);
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
    assert.ok(await page.locator('.editor-backdrop .mark-error, .editor-backdrop .mark-caret').count() >= 1, 'the span is marked');
    assert.ok(await page.locator('.gutter-error').count() >= 1, 'the gutter flags the line');
    const names = (await resolverCalls(page)).map((c) => c.name);
    assert.ok(!names.includes('validateMapping'), 'diagnostics came from the browser, not the server');

    // Clicking a location selects the span in the text.
    await page.locator('.diag-loc').first().click();
    assert.equal(await page.evaluate(() => document.activeElement.classList.contains('editor-input')), true);

    // A valid mapping clears the list.
    const good = 'key:_id=JumpCloud ID\nmap:firstname=First Name\nconfig:api=systemusers\n';
    await editor.fill(good);
    const goodCount = nodeCore.validate(good).diagnostics.length;
    await page.waitForFunction((n) => document.querySelectorAll('.diag').length === n, goodCount);

    // The footer shows the version of the core running in the page.
    await page.locator('#footer-version[data-core-version]').waitFor();
    assert.match(await page.locator('#footer-version').textContent(), new RegExp(`Core ${nodeCore.coreVersion().replace(/\./g, '\\.')}`));
    assert.deepEqual(errors, []);
    await noCspViolations(page);
  });

  test('squiggles cover exactly the reported span, also after non-ASCII text', TIMEOUT, async () => {
    const { page } = await open({ query: '?tab=imports' });
    await page.getByRole('button', { name: 'Add import' }).click();
    // The core reports UTF-8 byte spans; the page must turn them into JavaScript string offsets.
    const text = 'key:_id=JumpCloud ID\nmap:firstname=Prénom 👩‍💻 Ünïcode\nbögus:thing=x\nconfig:api=systemusers\n';
    await page.getByLabel('Mapping', { exact: true }).fill(text);
    const bytes = Buffer.from(text);
    const expected = nodeCore.validate(text).diagnostics
      .filter((d) => d.span.end > d.span.start)
      .map((d) => bytes.subarray(d.span.start, d.span.end).toString());
    assert.ok(expected.some((t) => t.startsWith('bögus')), `the core flags the bad directive (${JSON.stringify(expected)})`);
    await page.waitForFunction((n) => document.querySelectorAll('.editor-backdrop mark').length >= n, expected.length);
    const marked = await page.locator('.editor-backdrop mark').allTextContents();
    assert.deepEqual(marked, expected);
  });

  test('picking an object type validates against its attributes', TIMEOUT, async () => {
    const { page } = await open({ query: '?tab=imports' });
    await page.getByRole('button', { name: 'Add import' }).click();
    await page.getByLabel('Assets object schema').selectOption('3');
    await page.getByLabel('Object type').selectOption('12');
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

  test('format rewrites the mapping in the core\'s canonical layout, undoably', TIMEOUT, async () => {
    const { page } = await open({ query: '?tab=imports' });
    await page.getByRole('button', { name: 'Add import' }).click();
    const editor = page.getByLabel('Mapping', { exact: true });
    const messy = 'KEY:_id = JumpCloud ID  \nMap:firstname=First Name\nconfig:api=systemusers';
    await editor.fill(messy);
    await page.getByRole('button', { name: 'Format' }).click();
    assert.equal(await editor.inputValue(), nodeCore.format(messy));
    assert.notEqual(nodeCore.format(messy), messy);
    await page.getByText('Formatted.', { exact: true }).waitFor();
    await editor.press('Control+z');
    assert.equal(await editor.inputValue(), messy);
  });

  test('connection: the key is sent once, never pre-filled, shown or logged', TIMEOUT, async () => {
    const secret = 'jc-key-9f8e7d6c5b4a39281706';
    const { page, consoleMessages } = await open();
    const key = page.getByLabel('JumpCloud API key');
    await page.getByText('A key is stored').waitFor();
    assert.equal(await key.inputValue(), '', 'the key field is never pre-filled');
    assert.equal(await key.getAttribute('type'), 'password');
    assert.equal(await page.getByLabel('Region').inputValue(), 'EU');
    assert.equal(await page.getByLabel('Organization ID (optional)').inputValue(), 'org-5f1');

    await key.fill(secret);
    await page.getByLabel('Region').selectOption('IN');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved. The new API key is stored.').waitFor();

    const saves = (await resolverCalls(page)).filter((c) => c.name === 'saveConnection');
    assert.deepEqual(saves.map((c) => c.payload), [{ region: 'IN', apiKey: secret, orgId: 'org-5f1' }]);
    assert.equal(await key.inputValue(), '', 'the field is emptied after saving');
    const everything = await page.evaluate(() => [
      document.documentElement.outerHTML,
      ...[...document.querySelectorAll('input, textarea, select')].map((e) => e.value),
      JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage }),
    ].join('\n'));
    assert.ok(!everything.includes(secret), 'the key is nowhere in the page');
    assert.ok(!consoleMessages.join('\n').includes(secret), 'the key is never logged');

    // Saving again without typing keeps the stored key (apiKey omitted).
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.', { exact: true }).waitFor();
    const second = (await resolverCalls(page)).filter((c) => c.name === 'saveConnection')[1].payload;
    assert.equal('apiKey' in second, false);

    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('1234 users in the directory').waitFor();
    assert.match(await page.locator('.test-result').textContent(), /^Connected\. JumpCloud answered\. 1234 users/);
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

  test('preview shows the counts and a field-by-field old → new table', TIMEOUT, async () => {
    const { page } = await open({ query: '?tab=imports' });
    await page.getByRole('button', { name: 'Edit import Finance users' }).click();
    await page.waitForFunction(() => document.querySelector('.diag-summary')?.textContent.includes('attributes of User'));
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByText('Preview ready. Nothing was written to Assets.').waitFor();

    const counts = await page.locator('.preview .count').evaluateAll((tiles) =>
      Object.fromEntries(tiles.map((t) => [t.dataset.count, Number(t.querySelector('dd').textContent)])));
    assert.deepEqual(counts, { create: 1, update: 2, unchanged: 40, missing: 1, markOrDelete: 1, failed: 1 });

    const diff = await page.locator('.table-diff tbody tr').evaluateAll((rows) =>
      rows.map((r) => [...r.children].map((c) => c.textContent)));
    assert.deepEqual(diff, [
      ['5f1a', 'PPL-101', 'Job Title', 'Analyst', 'Senior Analyst'],
      ['5f1a', 'PPL-101', 'Email', 'ada@old.example', 'ada@example.com'],
      ['5f1b', 'PPL-102', 'Last Name', 'Turin', 'Turing'],
    ]);
    assert.equal(await page.locator('.table-diff del.diff-old').first().textContent(), 'Analyst');
    assert.equal(await page.locator('.table-creates tbody tr').count(), 3);
    assert.deepEqual(await page.locator('.table-missing tbody tr').first().locator('th, td').allTextContents(), ['5f0z', 'PPL-099', 'Marked']);
    assert.match(await page.locator('.table-errors').textContent(), /not a valid email address/);
    const preview = (await resolverCalls(page)).find((c) => c.name === 'previewImport');
    assert.deepEqual(preview.payload, { importId: 'imp-1' }, 'an unchanged saved import is previewed without saving again');
    await page.screenshot({ path: '/tmp/tributary-settings-preview.png', fullPage: true });
  });

  test('fetch sample shows the raw JumpCloud JSON', TIMEOUT, async () => {
    const { page } = await open({ query: '?tab=imports' });
    await page.getByRole('button', { name: 'Edit import Finance users' }).click();
    await page.waitForFunction(() => document.querySelector('.diag-summary')?.textContent.includes('attributes of User'));
    await page.getByRole('button', { name: 'Fetch sample' }).click();
    await page.getByText('Fetched 2 sample records.').waitFor();
    const raw = JSON.parse(await page.getByLabel('Raw JumpCloud JSON').textContent());
    assert.equal(raw.username, 'ada');
    await page.getByLabel('Show').selectOption('1');
    assert.equal(JSON.parse(await page.getByLabel('Raw JumpCloud JSON').textContent()).username, 'alan');
    // The browser core shows what the mapping makes of the record, as the Node core does.
    const mapping = await page.getByLabel('Mapping', { exact: true }).inputValue();
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

  test('run history shows status, progress, counts and failures, and polls while running', TIMEOUT, async () => {
    const { page } = await open({ query: '?tab=runs' });
    const finished = page.locator('[data-run-id="run-1"]');
    await finished.waitFor();
    assert.equal(await finished.locator('.badge').textContent(), 'Succeeded');
    assert.match(await finished.locator('.progress-text').textContent(), /44 of 44 records \(100%\)/);
    const counts = await finished.locator('.count').evaluateAll((tiles) =>
      Object.fromEntries(tiles.map((t) => [t.dataset.count, Number(t.querySelector('dd').textContent)])));
    assert.deepEqual(counts, { created: 1, updated: 2, unchanged: 40, marked: 0, deleted: 0, failed: 1 });
    assert.deepEqual(await finished.locator('.run-errors tbody tr').first().locator('th, td').allTextContents(),
      ['5f1d', 'Email: not a valid email address']);
    assert.equal(await finished.locator('.run-title').textContent(), 'Finance users');

    const running = page.locator('[data-run-id="run-2"]');
    assert.equal(await running.getAttribute('data-status'), 'running');
    assert.match(await running.locator('.progress-text').textContent(), /10 of 20/);
    // The page polls on its own until the run is over.
    await page.locator('[data-run-id="run-2"][data-status="succeeded"]').waitFor({ timeout: 15_000 });
    const polls = (await resolverCalls(page)).filter((c) => c.name === 'listRuns').length;
    await page.waitForTimeout(2500);
    assert.equal((await resolverCalls(page)).filter((c) => c.name === 'listRuns').length, polls, 'polling stops when nothing runs');
  });

  test('run now saves changes, starts the run and follows it in the history', TIMEOUT, async () => {
    const { page } = await open({ query: '?tab=imports' });
    await page.getByRole('button', { name: 'Edit import Finance users' }).click();
    await page.waitForFunction(() => document.querySelector('.diag-summary')?.textContent.includes('attributes of User'));
    await page.getByLabel('Schedule').selectOption('hourly');
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('tab', { name: 'Run history', selected: true }).waitFor();
    const calls = await resolverCalls(page);
    const names = calls.map((c) => c.name);
    assert.ok(names.indexOf('saveImport') < names.indexOf('runImport'), 'unsaved changes are saved before the run');
    assert.equal(calls.find((c) => c.name === 'saveImport').payload.import.schedule, 'hourly');
    assert.deepEqual(calls.find((c) => c.name === 'runImport').payload, { importId: 'imp-1' });
    const started = page.locator('.run[data-run-id^="run-1"]:not([data-run-id="run-1"])');
    await started.first().waitFor();
    await page.waitForFunction(() => !document.querySelector('.run[data-status="running"]'), null, { timeout: 15_000 });
  });

  test('delete asks first, then removes the import', TIMEOUT, async () => {
    const { page } = await open({ query: '?tab=imports' });
    await page.getByRole('button', { name: 'Edit import Finance users' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this import?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.ok(!(await resolverCalls(page)).some((c) => c.name === 'deleteImport'));
    await page.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete import' }).click();
    await page.getByText('The import was deleted.').waitFor();
    assert.deepEqual((await resolverCalls(page)).find((c) => c.name === 'deleteImport').payload, { id: 'imp-1' });
    await page.getByText('No imports yet.').waitFor();
  });

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
  });
});
