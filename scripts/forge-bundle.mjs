#!/usr/bin/env node
// `npm run bundle`: bundles the Forge functions with Forge's own bundler (@forge/bundler, the
// code `forge deploy` runs), offline, into OUT_DIR (default .tributary/forge-bundle).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { bundleForgeApp } from '../dev/forge-local/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = resolve(process.argv[2] ?? `${root}/.tributary/forge-bundle`);
const { outputDir, files } = await bundleForgeApp({ appDir: root, outDir });
console.log(`Forge bundle written to ${outputDir}: ${files.join(', ')}`);
