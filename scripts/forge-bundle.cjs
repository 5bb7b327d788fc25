#!/usr/bin/env node
// Bundles the Forge functions with Forge's own bundler (@forge/bundler, the code `forge deploy`
// runs), offline: the runtime wrapper comes from a local folder instead of Forge's CDN.
// CommonJS on purpose: the bundler needs `require.main`, which an ES module entry lacks.
//
// Usage: node scripts/forge-bundle.cjs OUT_DIR [RUNTIME_DIR]
//   RUNTIME_DIR holds dist/wrapper.js and dist/loader.js (default: the local Forge runtime's).
const { cp, mkdir, readFile, rm, writeFile } = require('node:fs/promises');
const { dirname, join, resolve } = require('node:path');

const root = join(__dirname, '..');

async function bundleForgeApp({ appDirectory, outDir, runtimeDir }) {
  process.env.FORGE_RUNTIME_PATH = runtimeDir;
  const { getNodeBundler, LocalWrapperProvider, getEntryPoints } = require('@forge/bundler');
  const { parse } = require('yaml');
  const manifest = parse(await readFile(join(appDirectory, 'manifest.yml'), 'utf8'));
  const fileReader = { readFileAsync: (path) => readFile(path, 'utf8').catch(() => undefined) };
  const logger = { info() {}, warn: console.warn, debug() {}, error: console.error, trace() {} };
  const modules = [...new Set(manifest.modules.function.map((f) => f.handler.split('.')[0]))];
  const bundler = getNodeBundler(logger, new LocalWrapperProvider(fileReader, runtimeDir), {
    readConfig: async () => manifest,
  });
  const cwd = process.cwd();
  process.chdir(appDirectory); // entry points resolve against the app directory's src/
  let result;
  try {
    result = await bundler.bundle({
      appDirectory,
      entryPoints: getEntryPoints(modules.map((module) => ({ module }))),
    });
  } finally {
    process.chdir(cwd);
  }
  // What `forge deploy` uploads: webpack's output plus the runtime files the bundler adds.
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await cp(result.outputDir, outDir, { recursive: true });
  for (const [name, content] of result.additionalOutputs ?? []) {
    await mkdir(dirname(join(outDir, name)), { recursive: true });
    await writeFile(join(outDir, name), typeof content === 'string' ? await readFile(content) : content);
  }
  await rm(result.outputDir, { recursive: true, force: true });
  return outDir;
}

const [outDir, runtimeDir] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: node scripts/forge-bundle.cjs OUT_DIR [RUNTIME_DIR]');
  process.exit(2);
}
bundleForgeApp({
  appDirectory: root,
  outDir: resolve(outDir),
  runtimeDir: resolve(runtimeDir ?? join(root, 'src-js', 'forge-local', 'runtime-wrapper')),
}).then(
  (dir) => console.log(`Forge bundle written to ${dir}`),
  (error) => {
    console.error(`Forge bundling failed: ${error.stack ?? error}`);
    process.exit(1);
  },
);
