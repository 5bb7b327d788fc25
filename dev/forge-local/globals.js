// What the Forge Node runtime puts in the process before app code loads: `__forge_runtime__`
// (app context, remaining time), `__forge_fetch__` (the platform proxy that @forge/api, kvs and
// events call), an egress-controlled global `fetch`, and captured console output. Installed
// once per process; each call is routed to the runtime and invocation that made it through
// AsyncLocalStorage, so several local runtimes (and plain test code) can share one process.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { format } from 'node:util';

const invocationStore = new AsyncLocalStorage();
/** The process's own fetch, kept for the platform itself (forwarding to emulators) and for code outside invocations. */
export const platformFetch = globalThis.fetch.bind(globalThis);
const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'];
let installed = false;

/** The invocation the current async context belongs to, if any. */
export function currentInvocation() {
  return invocationStore.getStore();
}

/** Runs `fn` as part of `invocation` (everything it awaits sees the same invocation). */
export function runInInvocation(invocation, fn) {
  return invocationStore.run(invocation, fn);
}

/**
 * Installs the globals. @forge/api captures the global fetch when it is first loaded, so this
 * must happen before the app (or @forge/api) is loaded; if @forge/api is already in the module
 * cache, its fetch would bypass the egress check, so we refuse loudly.
 */
export function installForgeGlobals() {
  if (installed) return;
  const require = createRequire(import.meta.url);
  try {
    const apiEntry = require.resolve('@forge/api');
    if (require.cache[apiEntry]) {
      throw new Error(
        'local Forge runtime: @forge/api was loaded before the runtime installed its globals, so its fetch would bypass ' +
          'the egress check. Import dev/forge-local/index.js before any module that imports @forge/api.',
      );
    }
  } catch (err) {
    if (err.code !== 'MODULE_NOT_FOUND') throw err;
  }
  installed = true;

  Object.defineProperty(globalThis, '__forge_runtime__', {
    configurable: true,
    get: () => invocationStore.getStore()?.runtimeGlobal,
  });

  globalThis.__forge_fetch__ = async function forgePlatformFetch(target, path, init) {
    const invocation = invocationStore.getStore();
    if (!invocation) {
      throw new Error(`Forge platform call (${target?.type}/${target?.remote ?? ''} ${path}) made outside any Forge invocation`);
    }
    return invocation.platform.platformRequest(invocation, target ?? {}, String(path), init ?? {});
  };

  globalThis.fetch = async function forgeEgressFetch(input, init) {
    const invocation = invocationStore.getStore();
    if (!invocation) return platformFetch(input, init);
    return invocation.platform.egressFetch(invocation, input, init);
  };

  for (const method of CONSOLE_METHODS) {
    const original = console[method].bind(console);
    console[method] = (...args) => {
      const invocation = invocationStore.getStore();
      if (!invocation) return original(...args);
      invocation.platform.captureLog(invocation, method, format(...args), original);
    };
  }
}
