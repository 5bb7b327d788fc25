// Runs Forge's own bundler (@forge/bundler, webpack, offline) on an app, with our local runtime
// wrapper in place of the one Forge's CLI downloads, and writes everything Forge would deploy
// (<module>.cjs, __forge__.cjs, __forge_wrapper__.cjs, runtime.json) into one folder.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadManifest } from './manifest.js';

/** The folder to give FORGE_RUNTIME_PATH / LocalWrapperProvider (holds dist/wrapper.js, dist/loader.js). */
export const RUNTIME_WRAPPER_DIR = fileURLToPath(new URL('./runtime-wrapper', import.meta.url));

/**
 * @param {{appDir: string, manifest?: object|string, outDir?: string, entries?: Record<string,string>}} options
 *   manifest defaults to appDir/manifest.yml; outDir defaults to the bundler's temp folder;
 *   entries maps a handler module name to its source file when it is not appDir/src/<name>
 *   (Forge itself always reads src/<name>)
 * @returns {Promise<{outputDir: string, files: string[]}>} outputDir can be passed as `handlers`
 */
export async function bundleForgeApp({ appDir, manifest, outDir, entries = {} }) {
  const require = createRequire(import.meta.url);
  // The bundler refuses to run without `require.main`, which is unset when the process entry is
  // an ES module (node --test, our CLI); it only checks that one exists.
  if (!process.mainModule && !require.cache[require.resolve('@forge/bundler')]) {
    process.mainModule = new Module(fileURLToPath(import.meta.url));
  }
  const { getNodeBundler, LocalWrapperProvider } = require('@forge/bundler');
  const parsed = loadManifest(manifest ?? join(appDir, 'manifest.yml')).raw;
  const modules = [...new Set((parsed.modules.function ?? []).map((f) => f.handler.slice(0, f.handler.lastIndexOf('.'))))];
  const fileReader = { readFileAsync: async (p) => readFileSync(p, 'utf8') };
  const quiet = { info() {}, debug() {}, warn() {}, error() {}, trace() {} };
  const bundler = getNodeBundler(quiet, new LocalWrapperProvider(fileReader, RUNTIME_WRAPPER_DIR), { readConfig: async () => parsed }, {});
  const result = await bundler.bundle({
    appDirectory: resolve(appDir),
    // The same entries getEntryPoints() builds, but from appDir rather than the process cwd.
    entryPoints: modules.map((name) => ({ name, path: entries[name] ? resolve(entries[name]) : join(resolve(appDir), 'src', name) })),
  });
  const outputDir = outDir ? resolve(outDir) : result.outputDir;
  const files = [];
  if (outDir) {
    mkdirSync(outputDir, { recursive: true });
    for (const name of modules) {
      writeFileSync(join(outputDir, `${name}.cjs`), readFileSync(join(result.outputDir, `${name}.cjs`)));
      files.push(`${name}.cjs`);
    }
  } else {
    files.push(...modules.map((name) => `${name}.cjs`));
  }
  for (const [name, content] of result.additionalOutputs ?? []) {
    const target = join(outputDir, name);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    files.push(name);
  }
  return { outputDir, files };
}
