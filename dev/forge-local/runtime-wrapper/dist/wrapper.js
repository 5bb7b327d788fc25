'use strict';
// Local stand-in for Forge's Node runtime wrapper. @forge/bundler copies this file next to the
// bundled app as __forge_wrapper__.cjs. On Forge the wrapper sets up the platform globals and
// calls the handler export named in manifest.yml; here the globals come from the local Forge
// runtime (dev/forge-local) in the same process, so the wrapper checks they are present and
// resolves "<file>.<export>" to the bundled function.
const path = require('path');

function assertPlatform() {
  if (typeof globalThis.__forge_fetch__ !== 'function') {
    throw new Error(
      'Forge platform globals are missing: create the local Forge runtime (dev/forge-local) before loading bundled handlers',
    );
  }
}

/**
 * @param {string} bundleDir folder holding the bundled <file>.cjs outputs
 * @param {string} handlerRef manifest handler, e.g. "index.resolver"
 * @returns {Function}
 */
function getHandler(bundleDir, handlerRef) {
  assertPlatform();
  const dot = handlerRef.lastIndexOf('.');
  if (dot <= 0) throw new Error(`handler "${handlerRef}" must look like <file>.<export>`);
  const file = path.join(bundleDir, `${handlerRef.slice(0, dot)}.cjs`);
  const exportName = handlerRef.slice(dot + 1);
  const mod = require(file);
  const fn = mod[exportName];
  if (typeof fn !== 'function') throw new Error(`bundled ${file} exports no function "${exportName}" (handler ${handlerRef})`);
  return fn;
}

module.exports = { getHandler };
