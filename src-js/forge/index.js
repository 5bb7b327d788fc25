// The Forge host: resolvers for the settings page, the scheduled trigger and the queue
// consumer. Thin by design — it hands the core fetch, storage, clock and logs; decisions
// are made in Rust.
import { randomUUID } from 'node:crypto';

// Named imports only: Node and webpack (strict ES modules here) both hand a CommonJS
// package's whole `module.exports` to a default import.
import { makeResolver } from '@forge/resolver';

import * as core from '../core/index.js';
import { requireJiraAdmin } from './admin.js';
import { getAttributes, listObjectTypes, listSchemas } from './assets-pickers.js';
import * as config from './config-store.js';
import { createForgeHost } from './sync-host.js';
import { continueRun, listRuns, previewRun, startBatch, startRun } from './runs.js';

// The smallest mapping that reads users: what *Test connection* fetches one record with.
const PROBE_MAPPING = 'key:_id=id\nconfig:api=systemusers\n';

/** How many of a refused mapping's errors the message lists. */
const REFUSED_ERRORS_SHOWN = 3;

/**
 * Throws when an import that would run on its own (enabled, a schedule other than manual) has
 * a mapping with errors: saving it would only fill the run history with failures.
 */
function refuseScheduledErrors(input, diagnostics) {
  const schedule = input?.schedule ?? 'manual';
  if (input?.enabled === false || schedule === 'manual') return;
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (!errors.length) return;
  const listed = errors.slice(0, REFUSED_ERRORS_SHOWN).map((d) => `line ${d.line}, column ${d.column}: ${d.message}`);
  const more = errors.length > listed.length ? `; and ${errors.length - listed.length} more` : '';
  throw new Error(`Not saved: the import runs ${schedule} but its mapping has ${errors.length} error${errors.length === 1 ? '' : 's'} (${listed.join('; ')}${more}). Fix the mapping, or set the schedule to manual or pause the import to save it as it is.`);
}

/** Wraps a resolver so that it runs only for Jira admins. */
const adminOnly = (handler) => async (req) => {
  await requireJiraAdmin(req);
  return handler(req.payload ?? {}, req);
};

async function jumpcloudHost() {
  return createForgeHost({ jumpcloud: await config.getJumpCloudCredentials() });
}

export const resolver = makeResolver({
  /** Version of the WebAssembly core the app runs, and its vocabulary (for a page that cannot
   * run the core itself). */
  getVersion: adminOnly(async () => ({ core: core.coreVersion(), vocabulary: core.vocabulary() })),

  /** Checks a mapping text; returns `{diagnostics}` computed by the core. */
  validateMapping: adminOnly(async ({ text, attributesJson }) => {
    if (typeof text !== 'string') {
      throw new Error('validateMapping: payload.text must be the mapping text (a string)');
    }
    return core.validate(text, attributesJson);
  }),

  /** The JumpCloud connection without the key: `{region, orgId?, hasApiKey}`. */
  getConnection: adminOnly(() => config.getConnection()),
  saveConnection: adminOnly((payload) => config.saveConnection(payload)),
  /** Reads one user from JumpCloud with the stored key: `{ok, message, totalUsers?}`. */
  testConnection: adminOnly(async () => {
    try {
      const { totalCount } = await core.sampleSource(await jumpcloudHost(), { mappingText: PROBE_MAPPING, limit: 1 });
      return { ok: true, message: `Connected to JumpCloud: ${totalCount ?? 'some'} users visible.`, totalUsers: totalCount };
    } catch (error) {
      return { ok: false, message: error.message };
    }
  }),

  listSchemas: adminOnly(() => listSchemas()),
  listObjectTypes: adminOnly(({ schemaId }) => listObjectTypes(schemaId)),
  getAttributes: adminOnly(({ objectTypeId }) => getAttributes(objectTypeId)),

  listImports: adminOnly(() => config.listImports()),
  /** Saves an import and returns it with the core's diagnostics for its mapping, checked
   * against the chosen object type's attributes when there is one. A mapping with errors is
   * refused for an enabled import on a schedule: every run of it would fail unattended. */
  saveImport: adminOnly(async ({ import: input }) => {
    const mapping = typeof input?.mapping === 'string' ? input.mapping : null;
    const attributes = mapping !== null && input.objectTypeId ? JSON.stringify(await getAttributes(String(input.objectTypeId))) : undefined;
    const diagnostics = mapping !== null ? core.validate(mapping, attributes).diagnostics : [];
    refuseScheduledErrors(input, diagnostics);
    const saved = await config.saveImport(input, randomUUID);
    return { import: saved, diagnostics };
  }),
  deleteImport: adminOnly(({ id }) => config.deleteImport(id)),

  /** Raw JumpCloud records for a mapping (saved import or a draft text): `{records}`. */
  fetchSample: adminOnly(async ({ importId, mapping, limit = 5 }) => {
    const text = typeof mapping === 'string' ? mapping : importId ? (await config.getImport(importId)).mapping : undefined;
    if (typeof text !== 'string') throw new Error('fetchSample needs an importId or a mapping text.');
    return core.sampleSource(await jumpcloudHost(), { mappingText: text, limit });
  }),
  previewImport: adminOnly(({ importId }) => previewRun(importId)),
  runImport: adminOnly(({ importId }) => startRun(importId)),
  listRuns: adminOnly(({ importId, limit }) => listRuns(importId, limit)),
});

/**
 * Hourly scheduled trigger: queues one run of the imports whose schedule is due, in the order
 * the engine derives from their references. A duplicate tick finds nothing due.
 */
export async function scheduler() {
  const now = Date.now();
  const due = (await config.listImports())
    .filter((item) => item.enabled && core.isScheduleDue(item.schedule, item.lastScheduledAt, now));
  if (due.length === 0) return { statusCode: 204 };
  for (const item of due) await config.saveImport({ ...item, lastScheduledAt: now }, randomUUID);
  if (due.length === 1) await startRun(due[0].id, { trigger: 'schedule' });
  else await startBatch(due.map((item) => item.id));
  return { statusCode: 204 };
}

/** Queue consumer: continues a run for one time-budgeted slice. */
export async function syncWorker(event) {
  await continueRun(event.body ?? event);
}
