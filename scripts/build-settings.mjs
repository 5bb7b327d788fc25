#!/usr/bin/env node
// Bundles the settings page (Forge Custom UI) from static/settings/src/ into static/settings/dist/.
// React 18 and Atlaskit components, written in JSX (esbuild's automatic JSX runtime).
//
// ESM output for <script type="module">; @forge/bridge is split into its own chunk because it
// throws while loading outside Jira, and the page imports it lazily to say so in words.
// The WebAssembly glue is not bundled: the page loads static/settings/wasm/ (built by
// scripts/build-wasm.mjs) at run time. `--watch` rebuilds on change.
// Atlassian's design tokens (light and dark) go into dist/tokens.css, a plain stylesheet loaded
// before anything runs, so the first paint already has Jira's colours. Jira's theme picks one
// through the `data-theme` and `data-color-mode` attributes that view.theme.enable() puts on
// <html>. (Atlaskit's components add their own <style> elements at run time: the manifest
// allows them with `permissions.content.styles: [unsafe-inline]`.)
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pageDir = join(root, 'static', 'settings');
const outdir = join(pageDir, 'dist');

/** esbuild options for the page; exported so tests and the sandbox could reuse them. */
export const buildOptions = {
  absWorkingDir: root,
  // app.jsx imports app.css; with Atlaskit's own .compiled.css it becomes dist/app.css.
  entryPoints: [join(pageDir, 'src', 'app.jsx')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
  jsx: 'automatic',
  // Atlaskit's feature-gate client (Statsig) has nothing to ask on a Forge page: its defaults.
  alias: { '@atlaskit/feature-gate-js-client/feature-gates': './static/settings/src/feature-gates-stub.js' },
  // React's production build: no development checks or warnings in the page Jira serves.
  define: { 'process.env.NODE_ENV': '"production"' },
};

const require = createRequire(import.meta.url);
/** The token themes the page carries: Jira's light and dark. */
const TOKEN_THEMES = ['atlassian-light', 'atlassian-dark'];

/** Writes dist/tokens.css from @atlaskit/tokens' theme artifacts; returns its size. */
export function writeTokensCss(dir = outdir) {
  const css = TOKEN_THEMES.map((theme) => require(`@atlaskit/tokens/dist/cjs/artifacts/themes/${theme}.js`).default).join('\n');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tokens.css'), `/* Atlassian design tokens (@atlaskit/tokens): ${TOKEN_THEMES.join(', ')} */\n${css}`);
  return css.length;
}

async function main() {
  if (process.argv.includes('--watch')) {
    writeTokensCss();
    const context = await esbuild.context(buildOptions);
    await context.watch();
    console.log(`watching ${relative(root, join(pageDir, 'src'))} → ${relative(root, outdir)}`);
    return;
  }
  rmSync(outdir, { recursive: true, force: true });
  const result = await esbuild.build(buildOptions);
  const tokens = writeTokensCss();
  const outputs = Object.entries(result.metafile.outputs).filter(([file]) => !file.endsWith('.map') && !file.endsWith('.LEGAL.txt'));
  const total = outputs.reduce((sum, [, meta]) => sum + meta.bytes, 0);
  console.log(`settings page built: ${outputs.length} files, ${total} bytes, tokens ${tokens} bytes → ${relative(root, outdir)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
