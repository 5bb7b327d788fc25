// The whole path from cargo to Forge: the app bundled by Forge's own bundler (@forge/bundler,
// what `forge deploy` runs) loads in Node 22 on the local Forge runtime, and a resolver answers
// with values computed by the WebAssembly core inside the bundle.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { bundleForgeApp, createForgeRuntime, ForgeInvocationError } from '../../dev/forge-local/index.js';
import { startAssetsEmulator } from '../../dev/emulators/index.js';

const appDir = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN = '5b10ac8d82e05b22cc7d4ef5';
const NOT_ADMIN = '5b10a2844c20165700ede21g';

let outDir;
let jira;
let runtime;

before(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'tributary-bundle-'));
  await bundleForgeApp({ appDir, outDir });
  jira = await startAssetsEmulator({ jira: { admins: [ADMIN] } });
  runtime = await createForgeRuntime({ appDir, handlers: outDir, jiraBaseUrl: jira.url });
});

after(async () => {
  await jira?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

test('Forge bundler output is self-contained: no .wasm file travels beside it', async () => {
  const files = await readdir(outDir);
  assert.ok(files.includes('index.cjs'), files.join(', '));
  assert.ok(files.includes('__forge__.cjs'), 'the runtime loader the platform starts');
  assert.ok(!files.some((f) => f.endsWith('.wasm')), 'the wasm is inlined, not a side file');
  assert.ok((await stat(join(outDir, 'index.cjs'))).size > 10_000);
});

test('the bundle holds only shipping code: src/ and src-js/, nothing from dev/', async () => {
  const text = await readFile(join(outDir, 'index.cjs'), 'utf8');
  // webpack heads each module it inlines with a `// ./path` comment.
  const own = [...text.matchAll(/^;?\/\/ (?:EXTERNAL MODULE: )?\.\/(\S+)$/gm)]
    .map((m) => m[1]).filter((path) => !path.startsWith('node_modules/'));
  assert.ok(own.includes('src-js/forge/index.js'), own.join(', '));
  assert.deepEqual(own.filter((path) => !/^src(-js)?\//.test(path)), []);
});

test('bundled resolver answers with the wasm core version', async () => {
  const answer = await runtime.invokeResolver('tributary-main', 'getVersion', {}, { accountId: ADMIN });
  assert.match(answer.core, /^\d+\.\d+\.\d+$/);
});

test('bundled resolver validates a mapping with the wasm core', async () => {
  const answer = await runtime.invokeResolver('tributary-main', 'validateMapping',
    { text: 'map:firstname=First Name\n' }, { accountId: ADMIN });
  assert.ok(Array.isArray(answer.diagnostics));
  const error = answer.diagnostics.find((d) => d.severity === 'error');
  assert.ok(error, 'a mapping without key: is an error');
  assert.equal(error.line >= 1, true);
});

test('bundled resolvers refuse a user who is not a Jira admin', async () => {
  await assert.rejects(
    runtime.invokeResolver('tributary-main', 'getVersion', {}, { accountId: NOT_ADMIN }),
    (error) => error instanceof ForgeInvocationError && /Only Jira administrators/.test(error.cause?.message ?? error.message),
  );
});
