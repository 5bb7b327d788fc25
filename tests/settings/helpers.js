// Browser-test helpers for the settings page: a static file server for static/settings,
// Debian's Chromium through playwright-core, and a fake Forge bridge answering in the shapes of
// the real resolvers (src-js/forge; run reports as crates/sync/src/report.rs serialises them),
// so the page's own code, the bundle and the real wasm run without a backend.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const pageRoot = join(repoRoot, 'static', 'settings');
export const chromiumPath = '/usr/bin/chromium';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * The CSP Forge gives a Custom UI page whose manifest adds `content.scripts: ['unsafe-eval']`
 * (WebAssembly) and `content.styles: ['unsafe-inline']` (Atlaskit's run-time <style> elements);
 * no inline scripts, no other origins.
 */
export const FORGE_LIKE_CSP = "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'";
/** The same without 'unsafe-eval': the browser refuses to compile WebAssembly. */
export const NO_WASM_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'";

/**
 * Serves `root` read-only on 127.0.0.1 at a free port. `csp` (optional) is sent as the
 * Content-Security-Policy of every response. Resolves with `{url, close}`.
 */
export async function startStaticServer(root = pageRoot, { csp } = {}) {
  const server = createServer(async (req, res) => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      let path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
      if (path.endsWith('/')) path += 'index.html';
      const file = normalize(join(root, path));
      if (!file.startsWith(root.endsWith(sep) ? root : root + sep)) {
        res.writeHead(403).end();
        return;
      }
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const headers = { 'content-type': MIME[extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' };
      if (csp) headers['content-security-policy'] = csp;
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : await readFile(file));
    } catch {
      res.writeHead(500).end();
    }
  });
  server.keepAliveTimeout = 1000;
  server.requestTimeout = 10_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

/** Why the browser tests cannot run here, or null when they can. */
export function browserSkipReason() {
  if (!existsSync(chromiumPath)) return `${chromiumPath} is missing (apt-get install chromium); browser tests skipped`;
  if (!existsSync(join(pageRoot, 'dist', 'app.js'))) return 'static/settings/dist is not built: run node scripts/build-settings.mjs';
  if (!existsSync(join(pageRoot, 'wasm', 'tributary_wasm_bg.wasm'))) return 'static/settings/wasm is not built: run node scripts/build-wasm.mjs';
  return null;
}

/** Launches Debian's Chromium headless. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
  });
}

/**
 * Opens the page in a fresh context with the fake bridge installed (`bridge: false` for none),
 * at 1280×800 unless `viewport` says otherwise.
 * Returns `{page, context, consoleMessages, errors}`.
 */
export async function openPage(browser, baseUrl, { fixtures = defaultFixtures(), bridge = true, query = '', viewport = { width: 1280, height: 800 }, colorScheme } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, locale: 'en-US' });
  const page = await context.newPage();
  const consoleMessages = [];
  const errors = [];
  page.on('console', (message) => consoleMessages.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.addInitScript(recordCspViolations);
  if (bridge) await page.addInitScript(installFakeBridge, fixtures);
  await page.goto(`${baseUrl}index.html${query}`);
  return { page, context, consoleMessages, errors };
}

function recordCspViolations() {
  globalThis.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    globalThis.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}${event.sample ? ` ${event.sample.slice(0, 60)}` : ''}${event.sourceFile ? ` ${event.sourceFile.split("/").pop()}:${event.lineNumber}:${event.columnNumber}` : ''}`);
  });
}

/** Attributes of a User object type, as Assets returns them for GET objecttype/{id}/attributes. */
export const userAttributes = [
  ['1', 'Key', 0, 0, { system: true, editable: false }],
  ['2', 'Name', 0, 0, { label: true }],
  ['3', 'JumpCloud ID', 0, 0, {}],
  ['4', 'First Name', 0, 0, {}],
  ['5', 'Last Name', 0, 0, {}],
  ['6', 'Email', 0, 8, {}],
  ['7', 'User Name', 0, 0, {}],
  ['8', 'Job Title', 0, 0, {}],
  ['9', 'Created', 0, 6, { system: true, editable: false }],
].map(([id, name, type, defaultTypeId, extra], position) => ({
  workspaceId: 'ws-1',
  globalId: `ws-1:${id}`,
  id,
  objectType: { id: '12', name: 'User' },
  name,
  label: Boolean(extra.label),
  type,
  defaultType: { id: defaultTypeId, name: ['Text', 'Integer', 'Boolean', 'Double', 'Date', 'Time', 'DateTime', 'URL', 'Email'][defaultTypeId] },
  editable: extra.editable ?? true,
  system: Boolean(extra.system),
  sortable: true,
  summable: false,
  indexed: true,
  minimumCardinality: 0,
  maximumCardinality: 1,
  removable: !extra.system,
  hidden: false,
  includeChildObjectTypes: false,
  uniqueAttribute: false,
  options: '',
  position,
}));

/** The engine's apiCalls block (crates/sync/src/client.rs `ApiCalls`), zeros unless given. */
export function apiCalls(overrides = {}) {
  return { jumpcloud: 0, aql: 0, create: 0, update: 0, delete: 0, read: 0, userSearch: 0, retries: 0, ...overrides };
}

/** The engine's counts block (crates/sync/src/report.rs `Counts`), zeros unless given. */
export function counts(overrides = {}) {
  return { source: 0, created: 0, updated: 0, unchanged: 0, marked: 0, deleted: 0, failed: 0, missing: 0, warnings: 0, incomplete: 0, ...overrides };
}

const RUN_1_STARTED = Date.UTC(2026, 10, 26, 8, 0, 0);
const RUN_2_STARTED = Date.UTC(2026, 10, 27, 9, 0, 0);

/**
 * Resolver fixtures for the fake bridge, in the real backend's shapes (src-js/forge/index.js;
 * run reports as crates/sync/src/report.rs serialises them); tests override parts.
 */
export function defaultFixtures() {
  return {
    version: null, // filled by the page test from the real core
    vocabulary: null, // likewise
    connection: { region: 'EU', orgId: '5f1a2b3c4d5e6f7a8b9c0d1e', hasApiKey: true },
    testResult: { ok: true, message: 'Connected to JumpCloud: 1234 users visible.', totalUsers: 1234 },
    schemas: [{ id: '3', name: 'People', objectSchemaKey: 'PPL' }, { id: '4', name: 'Hardware', objectSchemaKey: 'HW' }],
    objectTypes: { 3: [{ id: '12', name: 'User' }, { id: '13', name: 'Department' }], 4: [{ id: '20', name: 'Laptop' }] },
    attributes: { 12: userAttributes },
    // config-store.js saveImport's shape: no run data (that comes from listRuns).
    imports: [{
      id: 'imp-1', name: 'Finance users', objectSchemaId: '3', objectTypeId: '12',
      mapping: 'key:_id=JumpCloud ID\nmap:firstname=First Name\nmap:lastname=Last Name\nconfig:api=systemusers\n',
      schedule: 'daily', enabled: true,
    }],
    // fetchSample answers {records, totalCount?, request, apiCalls}; these are the records.
    sample: [
      { _id: '5f1a', username: 'ada', firstname: 'Ada', lastname: 'Lovelace', email: 'ada@example.com', jobTitle: 'Analyst' },
      { _id: '5f1b', username: 'alan', firstname: 'Alan', lastname: 'Turing', email: 'alan@example.com' },
    ],
    sampleTotal: 42,
    // previewImport: the engine's dry-run RunReport with its plan.
    preview: {
      runId: 'r1795660800000', importId: 'imp-1', status: 'partial', phase: 'done', progress: { done: 0, total: 1 },
      counts: counts({ source: 45, created: 1, updated: 2, unchanged: 40, missing: 1, marked: 1, failed: 1, warnings: 1 }),
      errors: [
        { key: '5f1d', attribute: 'Email', message: 'not a valid email address: "grace@"', level: 'error' },
        { key: '5f1a', label: 'Ada Lovelace', attribute: 'Jira User', message: 'no Jira user found for "ada@example.com"; the attribute was left as it is', level: 'warning' },
      ],
      errorsOmitted: 0,
      apiCalls: apiCalls({ jumpcloud: 1, aql: 1, read: 3 }),
      durationMs: 41, startedAt: RUN_2_STARTED, finishedAt: RUN_2_STARTED + 41, invocations: 1, objectTypeId: '12',
      plan: {
        creates: [{ key: '5f1c', label: 'Grace Hopper', changes: [
          { attribute: 'JumpCloud ID', old: [], new: ['5f1c'] },
          { attribute: 'First Name', old: [], new: ['Grace'] },
          { attribute: 'Last Name', old: [], new: ['Hopper'] },
        ] }],
        updates: [
          { key: '5f1a', label: 'Ada Lovelace', objectKey: 'PPL-101', changes: [
            { attribute: 'Job Title', old: ['Analyst'], new: ['Senior Analyst'] },
            { attribute: 'Email', old: ['ada@old.example'], new: ['ada@example.com'] },
          ] },
          { key: '5f1b', label: 'Alan Turing', objectKey: 'PPL-102', changes: [{ attribute: 'Last Name', old: ['Turin'], new: ['Turing'] }] },
        ],
        unchanged: 40,
        missing: [{ key: '5f0z', objectKey: 'PPL-099', action: 'mark', changes: [{ attribute: 'Status', old: ['Active'], new: ['Left'] }] }],
      },
    },
    // listRuns: stored run records (RunReport without plan), newest first; `continue` = in progress.
    runs: [
      {
        runId: 'run-2', importId: 'imp-1', status: 'continue', phase: 'write', progress: { done: 10, total: 20 },
        counts: counts({ source: 20, updated: 5, unchanged: 5 }),
        errors: [], errorsOmitted: 0, apiCalls: apiCalls({ jumpcloud: 1, aql: 1, update: 5, read: 3 }),
        durationMs: 900, startedAt: RUN_2_STARTED, invocations: 1, objectTypeId: '12',
      },
      {
        runId: 'run-1', importId: 'imp-1', status: 'partial', phase: 'done', progress: { done: 44, total: 44 },
        counts: counts({ source: 44, created: 1, updated: 2, unchanged: 40, failed: 1 }),
        errors: [{ key: '5f1d', attribute: 'Email', message: 'Assets refused the record: not a valid email address', level: 'error' }],
        errorsOmitted: 0, apiCalls: apiCalls({ jumpcloud: 1, aql: 2, create: 1, update: 2, read: 3 }),
        durationMs: 70_000, startedAt: RUN_1_STARTED, finishedAt: RUN_1_STARTED + 70_000, invocations: 2, objectTypeId: '12',
      },
    ],
    serverDiagnostics: [{
      code: 'E004', severity: 'error', message: 'from the server: this line has no `=`', line: 1, column: 1,
      endLine: 1, endColumn: 4, span: { start: 0, end: 3 }, utf16Span: { start: 0, end: 3 }, label: 'server label', notes: [],
    }],
    fail: {}, // resolver name → error message to throw
  };
}

/** Runs in the page before any script: a fake `__bridge` implementing the resolver contract. */
function installFakeBridge(fixtures) {
  const state = structuredClone(fixtures);
  state.queued = [];
  const calls = [];
  globalThis.__bridgeCalls = calls;
  globalThis.__fakeState = state;
  let nextId = 100;
  const handlers = {
    getVersion: () => ({ core: state.version, vocabulary: state.vocabulary }),
    getConnection: () => ({ ...state.connection }),
    saveConnection: ({ apiKey, orgId, region }) => {
      if (apiKey) state.connection.hasApiKey = true;
      state.connection = { ...state.connection, orgId, region };
      return { ok: true };
    },
    testConnection: () => state.testResult,
    listSchemas: () => state.schemas,
    listObjectTypes: ({ schemaId }) => state.objectTypes[schemaId] ?? [],
    getAttributes: ({ objectTypeId }) => state.attributes[objectTypeId] ?? [],
    listImports: () => state.imports,
    saveImport: ({ import: imp }) => {
      const saved = { ...imp, id: imp.id ?? `imp-${nextId++}` };
      const index = state.imports.findIndex((i) => i.id === saved.id);
      if (index >= 0) state.imports[index] = saved;
      else state.imports.push(saved);
      return { import: saved, diagnostics: [] };
    },
    deleteImport: ({ id }) => {
      state.imports = state.imports.filter((i) => i.id !== id);
      return { ok: true };
    },
    fetchSample: ({ limit }) => ({
      records: state.sample.slice(0, limit),
      totalCount: state.sampleTotal,
      request: `/api/systemusers?limit=${limit}&skip=0&sort=_id`,
      apiCalls: { jumpcloud: 1, aql: 0, create: 0, update: 0, delete: 0, read: 0, userSearch: 0, retries: 0 },
    }),
    previewImport: ({ importId }) => {
      // A background preview (CONTRACT-13): the report so far, then getRun / getRunResults.
      if (state.background) {
        const { runId, total } = state.background;
        state.bgRun = {
          runId, importId, dryRun: true, status: 'running', phase: 'readSource', progress: { done: 0, total },
          counts: { source: 0, created: 0, updated: 0, unchanged: 0, marked: 0, deleted: 0, failed: 0, missing: 0, warnings: 0, incomplete: 0 },
          errors: [], errorsOmitted: 0, apiCalls: {}, startedAt: Date.now(),
        };
        return structuredClone(state.bgRun);
      }
      return state.preview;
    },
    getRun: ({ runId }) => {
      // Each poll moves a background preview on by a third; then it is done.
      const run = state.bgRun?.runId === runId ? state.bgRun : state.runs.find((r) => r.runId === runId) ?? null;
      if (run && run === state.bgRun && run.status === 'running') {
        const step = Math.ceil(run.progress.total / 3);
        run.progress.done = Math.min(run.progress.total, run.progress.done + step);
        run.phase = run.progress.done >= run.progress.total / 2 ? 'write' : 'readAssets';
        run.counts.source = run.progress.done;
        if (run.progress.done >= run.progress.total) {
          Object.assign(run, state.background.finished, { finishedAt: Date.now() });
        }
      }
      return run;
    },
    getRunResults: ({ runId, offset = 0, limit = 50, query, kind }) => {
      if (!state.results?.[runId]) throw new Error(`There was an error invoking the function - no results for run ${runId}`);
      const q = (query ?? '').toLowerCase();
      const text = (e) => [e.key, e.label, e.objectKey, e.attribute, e.message, ...(e.changes ?? []).map((c) => c.attribute)]
        .filter(Boolean).join(' ').toLowerCase();
      const matching = state.results[runId].filter((e) => (!kind || e.kind === kind) && (!q || text(e).includes(q)));
      const size = Math.min(limit, 500);
      return { total: matching.length, offset, limit: size, entries: matching.slice(offset, offset + size) };
    },
    cancelRun: ({ runId }) => {
      const run = state.runs.find((r) => r.runId === runId);
      if (!run) throw new Error(`no run ${runId}`);
      // As the engine: the run stops at its next step, its record says how far it got.
      Object.assign(run, { status: 'interrupted', message: 'cancelled by an admin', finishedAt: Date.now() });
      return { cancelled: true };
    },
    runAll: () => {
      const enabled = state.imports.filter((i) => i.enabled !== false).map((i) => i.id);
      for (const importId of enabled) state.queued.push({ runId: `run-${nextId++}`, importId, startedAt: Date.now() });
      return { queued: enabled, order: enabled };
    },
    runImport: ({ importId }) => {
      // As on Forge: only a queue event now; the record appears once the consumer starts.
      const runId = `run-${nextId++}`;
      state.queued.push({ runId, importId, startedAt: Date.now() });
      return { runId };
    },
    listRuns: ({ importId }) => {
      const result = structuredClone(state.runs.filter((r) => !importId || r.importId === importId))
        .sort((a, b) => b.startedAt - a.startedAt);
      // Each poll moves the world on: queued runs begin, running runs advance by half a slice.
      for (const run of state.runs) {
        if (run.status !== 'continue') continue;
        run.progress.done = Math.min(run.progress.total, run.progress.done + (state.runStep ?? Math.ceil(run.progress.total / 2)));
        run.invocations += 1;
        if (run.progress.done >= run.progress.total) {
          run.status = 'succeeded';
          run.phase = 'done';
          run.finishedAt = Date.now();
          run.counts.updated += 1;
        }
      }
      for (const { runId, importId: id, startedAt } of state.queued.splice(0)) {
        state.runs.push({
          runId, importId: id, status: 'continue', phase: 'readSource', progress: { done: 0, total: 2 },
          counts: { source: 0, created: 0, updated: 0, unchanged: 0, marked: 0, deleted: 0, failed: 0, missing: 0, warnings: 0 },
          errors: [], errorsOmitted: 0, apiCalls: {}, durationMs: 0, startedAt, invocations: 1,
        });
      }
      return result;
    },
    validateMapping: () => ({ diagnostics: state.serverDiagnostics }),
  };
  globalThis.__bridge = {
    async callBridge(type, payload) {
      calls.push({ type, payload: structuredClone(payload) });
      // view.theme.enable(): Jira marks the page with its colour mode, as the real host does.
      if (type === 'enableTheming' && state.theme) document.documentElement.dataset.colorMode = state.theme;
      if (type !== 'invoke') return undefined;
      const { functionKey, payload: args } = payload;
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (state.fail[functionKey]) throw new Error(state.fail[functionKey]);
      const handler = handlers[functionKey];
      if (!handler) throw new Error(`There was an error invoking the function - no resolver named ${functionKey}`);
      return structuredClone(handler(args ?? {}));
    },
  };
}

/**
 * Picks `option` (its text, or a RegExp) in the Atlaskit Select labelled `label`: focus, open
 * with the keyboard as an admin would, click the option.
 */
export async function chooseOption(page, label, option) {
  const input = page.getByLabel(label, { exact: true });
  const choice = page.getByRole('option', { name: option, exact: typeof option === 'string' });
  // A picker still loading its options (after the one it depends on changed) may not open on
  // the first key: open it again until the option shows.
  for (let tries = 1; ; tries += 1) {
    await input.focus();
    await page.keyboard.press('ArrowDown');
    try {
      await choice.waitFor({ timeout: 3_000 });
      break;
    } catch (error) {
      if (tries >= 10) throw error;
    }
  }
  await choice.click();
}

/** The text of the option chosen in the Atlaskit Select labelled `label` ('' for none). */
export async function chosenOption(page, label) {
  return page.getByLabel(label, { exact: true }).evaluate((input) =>
    input.closest('.tb-select__control')?.querySelector('.tb-select__single-value')?.textContent ?? '');
}

/** The resolver calls the page made, as `[{name, payload}]`. */
export async function resolverCalls(page) {
  return page.evaluate(() => globalThis.__bridgeCalls
    .filter((c) => c.type === 'invoke')
    .map((c) => ({ name: c.payload.functionKey, payload: c.payload.payload })));
}

/** Everything the page holds as text: its HTML, every field's value, and its web storage. */
export async function everythingInPage(page) {
  return page.evaluate(() => [
    document.documentElement.outerHTML,
    ...[...document.querySelectorAll('input, textarea, select')].map((e) => e.value),
    JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage }),
  ].join('\n'));
}

/** Count tiles (`.count[data-count]`) as `{countKey: number}`. */
export async function tileCounts(locator) {
  return locator.evaluateAll((tiles) =>
    Object.fromEntries(tiles.map((t) => [t.dataset.count, Number(t.querySelector('dd').textContent)])));
}

/** Table rows as arrays of cell texts. */
export async function tableRows(locator) {
  return locator.evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
}

/**
 * Saves a screenshot of `page` as a test artifact (never committed): in $TRIBUTARY_ARTIFACTS,
 * else test-artifacts/settings/ in the repository (gitignored). Returns the file's path.
 */
export async function saveScreenshot(page, name) {
  const { mkdir } = await import('node:fs/promises');
  const dir = process.env.TRIBUTARY_ARTIFACTS || join(repoRoot, 'test-artifacts', 'settings');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The relative luminance (0 black … 1 white) of a CSS `rgb(...)` colour. */
export function luminance(cssColor) {
  const [r, g, b] = (cssColor.match(/[\d.]+/g) ?? ['0', '0', '0']).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * The mapping editor's text (CodeMirror's lines, in the editor's shadow root, which Playwright's
 * locators enter; the short texts of the tests are all drawn).
 */
export async function mappingText(page) {
  return page.locator('.editor .cm-content').evaluate((content) =>
    [...content.querySelectorAll(':scope > .cm-line')].map((line) => line.textContent).join('\n'));
}

/**
 * The text under the editor's lint marks, one entry per marked stretch of a line (CodeMirror
 * may cut one mark into several elements where highlighting changes).
 */
export async function lintMarkedTexts(page) {
  return page.locator('.editor .cm-content').evaluate((content) => {
    const out = [];
    for (const line of content.querySelectorAll(':scope > .cm-line')) {
      let run = '';
      let last = null;
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const mark = node.parentElement.closest('.cm-lintRange');
        if (mark) {
          run += node.textContent;
          last = mark;
        } else if (run) {
          out.push(run);
          run = '';
        }
      }
      if (run) out.push(run);
      void last;
    }
    return out;
  });
}

/** How many elements match `selector` inside the mapping editor's shadow root. */
export async function inEditorCount(page, selector) {
  return page.evaluate((css) => document.querySelector('.editor-frame')?.shadowRoot?.querySelectorAll(css).length ?? 0, selector);
}

/**
 * Replaces the mapping editor's text as typing would (select all, insert): Playwright's fill()
 * makes Chrome's own editing code write style attributes into the editable element, which the
 * Custom UI CSP reports though no page code did it.
 */
export async function typeMapping(page, text) {
  const editor = page.getByLabel('Mapping', { exact: true });
  await editor.click();
  await page.keyboard.press('Control+a');
  await page.keyboard.insertText(text);
}
