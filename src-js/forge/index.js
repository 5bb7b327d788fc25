// The Forge host: resolvers for the settings page, the scheduled trigger and the queue
// consumer. Thin by design — it hands the core fetch, storage, clock and logs; decisions
// are made in Rust.
// Named imports only: Node and webpack (strict ES modules here) both hand a CommonJS
// package's whole `module.exports` to a default import.
import { makeResolver } from '@forge/resolver';

import { coreVersion, validate } from '../core/index.js';
import { requireJiraAdmin } from './admin.js';

export const resolver = makeResolver({
  /** Version of the WebAssembly core the app runs. */
  async getVersion(req) {
    await requireJiraAdmin(req);
    return { core: coreVersion() };
  },

  /** Checks a mapping text; returns `{diagnostics}` computed by the core. */
  async validateMapping(req) {
    await requireJiraAdmin(req);
    const { text, attributesJson } = req.payload ?? {};
    if (typeof text !== 'string') {
      throw new Error('validateMapping: payload.text must be the mapping text (a string)');
    }
    return validate(text, attributesJson);
  },
});

/** Hourly scheduled trigger: starts the imports that are due. */
export async function scheduler() {
  return { statusCode: 204 };
}

/** Queue consumer: continues a long run for one time-budgeted slice. */
export async function syncWorker() {
  return undefined;
}
