// The Forge host: resolvers for the settings page, the scheduled trigger and the queue
// consumer. Thin by design — it hands the core fetch, storage, clock and logs; decisions
// are made in Rust.
import { randomUUID } from 'node:crypto';

// Named imports only: Node and webpack (strict ES modules here) both hand a CommonJS
// package's whole `module.exports` to a default import.
import { makeResolver } from '@forge/resolver';

import * as core from '../core/index.js';
import { requireJiraAdmin } from './admin.js';
import { cachedWorkspaceId, getAttributes, listObjectTypes, listSchemas } from './assets-pickers.js';
import * as config from './config-store.js';
import { assetsId, bool, checkPayload, int, list, object, text } from './payload.js';
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
  const every = typeof schedule === 'string' ? schedule : schedule.every;
  if (input?.enabled === false || every === 'manual') return;
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (!errors.length) return;
  const listed = errors.slice(0, REFUSED_ERRORS_SHOWN).map((d) => `line ${d.line}, column ${d.column}: ${d.message}`);
  const more = errors.length > listed.length ? `; and ${errors.length - listed.length} more` : '';
  throw new Error(`Not saved: the import runs ${every} but its mapping has ${errors.length} error${errors.length === 1 ? '' : 's'} (${listed.join('; ')}${more}). Fix the mapping, or set the schedule to manual or pause the import to save it as it is.`);
}

/**
 * A resolver that runs only for Jira admins and only with a payload of `shape`
 * ({field: rule}, see payload.js); `name` is how its errors name it.
 */
const adminOnly = (name, shape, handler) => async (req) => {
  await requireJiraAdmin(req);
  return handler(checkPayload(name, shape, req.payload), req);
};

const IMPORT_ID = text({ max: 100 });

async function jumpcloudHost() {
  return createForgeHost({ jumpcloud: await config.getJumpCloudCredentials() });
}

export const resolver = makeResolver({
  /** Version of the WebAssembly core the app runs, and its vocabulary (for a page that cannot
   * run the core itself). */
  getVersion: adminOnly('getVersion', {}, async () => ({ core: core.coreVersion(), vocabulary: core.vocabulary() })),

  /** Checks a mapping text; returns `{diagnostics}` computed by the core. */
  validateMapping: adminOnly('validateMapping', { text: text(), attributesJson: text({ optional: true }) },
    async ({ text: mapping, attributesJson }) => core.validate(mapping, attributesJson ?? undefined)),

  /** The JumpCloud connection without the key: `{region, orgId?, hasApiKey}`. */
  getConnection: adminOnly('getConnection', {}, () => config.getConnection()),
  saveConnection: adminOnly('saveConnection',
    { apiKey: text({ max: 500, optional: true }), orgId: text({ max: 100, optional: true }), region: text({ max: 10, optional: true }) },
    (payload) => config.saveConnection(payload)),
  /** Reads one user from JumpCloud with the stored key: `{ok, message, totalUsers?}`. */
  testConnection: adminOnly('testConnection', {}, async () => {
    try {
      const { totalCount } = await core.sampleSource(await jumpcloudHost(), { mappingText: PROBE_MAPPING, limit: 1 });
      return { ok: true, message: `Connected to JumpCloud: ${totalCount ?? 'some'} users visible.`, totalUsers: totalCount };
    } catch (error) {
      return { ok: false, message: error.message };
    }
  }),

  listSchemas: adminOnly('listSchemas', {}, () => listSchemas()),
  listObjectTypes: adminOnly('listObjectTypes', { schemaId: assetsId() }, ({ schemaId }) => listObjectTypes(schemaId)),
  getAttributes: adminOnly('getAttributes', { objectTypeId: assetsId() }, ({ objectTypeId }) => getAttributes(objectTypeId)),

  listImports: adminOnly('listImports', {}, () => config.listImports()),
  /** Saves an import and returns it with the core's diagnostics for its mapping, checked
   * against the chosen object type's attributes when there is one. */

  saveImport: adminOnly('saveImport', { import: object() }, async ({ import: input }) => {
    const checked = config.checkImport(input);
    const attributes = checked.objectTypeId ? JSON.stringify(await getAttributes(checked.objectTypeId)) : undefined;
    const diagnostics = core.validate(checked.mapping, attributes).diagnostics;
    refuseScheduledErrors(checked, diagnostics);
    const saved = await config.saveImport(input, randomUUID);
    return { import: saved, diagnostics };
  }),
  deleteImport: adminOnly('deleteImport', { id: IMPORT_ID }, ({ id }) => config.deleteImport(id)),

  /** Raw JumpCloud records for a mapping (saved import or a draft text): `{records}`. */
  fetchSample: adminOnly('fetchSample',
    { importId: text({ max: 100, optional: true }), mapping: text({ optional: true }), limit: int({ min: 1, max: 100, optional: true }) },
    async ({ importId, mapping, limit = 5 }) => {
    const text = typeof mapping === 'string' ? mapping : importId ? (await config.getImport(importId)).mapping : undefined;
    if (typeof text !== 'string') throw new Error('fetchSample needs an importId or a mapping text.');
    return core.sampleSource(await jumpcloudHost(), { mappingText: text, limit });
  }),
  /**
   * Creates in Assets the object types and attributes the imports' mappings need (every
   * import, or `importIds`); nothing that exists is changed. `dryRun` only says what it would
   * create. Answers the core's schema report.
   */
  setupSchema: adminOnly('setupSchema',
    { importIds: list({ of: IMPORT_ID, max: 100, optional: true }), dryRun: bool({ optional: true }) },
    async ({ importIds, dryRun = false }) => {
      const imports = importIds ? await Promise.all(importIds.map((id) => config.getImport(id))) : await config.listImports();
      const workspaceId = await cachedWorkspaceId();
      return core.setupSchema(createForgeHost({}), {
        mappings: imports.map((item) => ({
          name: item.name,
          text: item.mapping,
          ...(item.objectSchemaId ? { objectSchema: item.objectSchemaId } : {}),
          ...(item.objectTypeId ? { objectType: item.objectTypeId } : {}),
        })),
        dryRun,
        ...(workspaceId ? { workspaceId } : {}),
      });
    }),
  previewImport: adminOnly('previewImport', { importId: IMPORT_ID }, ({ importId }) => previewRun(importId)),
  runImport: adminOnly('runImport', { importId: IMPORT_ID }, ({ importId }) => startRun(importId)),
  listRuns: adminOnly('listRuns', { importId: text({ max: 100, optional: true }), limit: int({ min: 1, max: 500, optional: true }) },
    ({ importId, limit }) => listRuns(importId, limit)),
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

/**
 * Queue consumer: continues a run for one time-budgeted slice. An event no retry can help
 * (its import was deleted, its body is not a run's) is logged and acknowledged, so Forge does
 * not redeliver it for a day; other errors are thrown, for Forge to retry.
 */
export async function syncWorker(event) {
  const body = event?.body ?? event;
  if (!body || typeof body.runId !== 'string' || (typeof body.importId !== 'string' && !Array.isArray(body.importIds))) {
    console.error(`[tributary] dropped a queue event that is not a run: ${JSON.stringify(body)?.slice(0, 200)}`);
    return;
  }
  try {
    await continueRun(body);
  } catch (error) {
    if (error instanceof config.UnknownImportError) {
      console.error(`[tributary] run ${body.runId} stopped: ${error.message}`);
      return;
    }
    throw error;
  }
}
