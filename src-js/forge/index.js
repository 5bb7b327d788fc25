// The Forge host: resolvers for the settings page, the scheduled trigger and the queue
// consumer. Thin by design — it hands the core fetch, storage, clock and logs; decisions
// are made in Rust.
import { randomUUID } from 'node:crypto';

// Named imports only: Node and webpack (strict ES modules here) both hand a CommonJS
// package's whole `module.exports` to a default import.
import { makeResolver } from '@forge/resolver';
import * as forgeEvents from '@forge/events';

import * as core from '../core/index.js';
import { requireJiraAdmin } from './admin.js';
import { cachedWorkspaceId, getAttributes, listObjectTypes, listSchemas } from './assets-pickers.js';
import * as config from './config-store.js';
import { assetsId, bool, checkPayload, int, list, object, oneOf, text } from './payload.js';
import { createForgeHost } from './sync-host.js';
import {
  cancelRun, continuePreview, continueRun, lastRefreshedAt, listRuns, previewRun, retryHelps, runRecord, runResults, startBatch, startRun,
} from './runs.js';

// The smallest mapping that reads users: what *Test connection* fetches one record with.
const PROBE_MAPPING = 'key:_id=id\nconfig:api=systemusers\n';

/** How many of a refused mapping's errors the message lists. */
const REFUSED_ERRORS_SHOWN = 3;

/**
 * Throws when an import that would run on its own (enabled, a schedule other than manual) has
 * a mapping with errors: saving it would only fill the run history with failures.
 */
function refuseScheduledErrors(input, diagnostics) {
  // The core reads both forms of a schedule (a name, or {every, at, ...}).
  const { every } = core.checkSchedule(input?.schedule ?? 'manual');
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

async function jumpcloudHost(typed) {
  return createForgeHost({ jumpcloud: await config.getJumpCloudCredentials(typed) });
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
  /**
   * Reads one user from JumpCloud: `{ok, message, totalUsers?}`. With typed settings (a key,
   * org id or region not saved yet) it tests those, stores nothing, and the key never comes
   * back; without, it tests the stored ones and remembers the outcome (`lastTested`).
   */
  testConnection: adminOnly('testConnection',
    { apiKey: text({ max: 500, optional: true }), orgId: text({ max: 100, optional: true }), region: text({ max: 10, optional: true }) },
    async (typed) => {
      const testsTyped = Object.keys(typed).length > 0;
      let result;
      try {
        const { totalCount } = await core.sampleSource(await jumpcloudHost(typed), { mappingText: PROBE_MAPPING, limit: 1 });
        result = { ok: true, message: `Connected to JumpCloud: ${totalCount ?? 'some'} users visible.`, totalUsers: totalCount };
      } catch (error) {
        const message = typed.apiKey ? error.message.split(typed.apiKey).join('[redacted]') : error.message;
        result = { ok: false, message };
      }
      if (!testsTyped) await config.recordConnectionTest(result.ok, result.message);
      return { ...result, tested: testsTyped ? 'typed' : 'saved' };
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
  /**
   * A dry run of a saved import (`importId`), or of what the page shows without saving it
   * (`mapping` with `objectSchemaId` / `objectTypeId`; `importId` then only names it).
   */
  previewImport: adminOnly('previewImport',
    { importId: IMPORT_ID, mapping: text({ optional: true }), objectSchemaId: assetsId({ optional: true }), objectTypeId: assetsId({ optional: true }) },
    ({ importId, mapping, objectSchemaId, objectTypeId }) => previewRun(importId, typeof mapping === 'string'
      ? { mapping, objectSchemaId: objectSchemaId && String(objectSchemaId), objectTypeId: objectTypeId && String(objectTypeId) }
      : undefined)),
  runImport: adminOnly('runImport', { importId: IMPORT_ID }, ({ importId }) => startRun(importId)),
  /** One run of every enabled import, in the order of their references (users before devices). */
  runAll: adminOnly('runAll', {}, async () => {
    const queued = (await config.listImports()).filter((item) => item.enabled).map((item) => item.id);
    if (queued.length === 0) return { runId: null, queued };
    const { runId } = queued.length === 1 ? await startRun(queued[0]) : await startBatch(queued);
    return { runId, queued };
  }),
  /** Stops a run at its next unit of work (or before it starts); a finished run is left alone. */
  cancelRun: adminOnly('cancelRun', { importId: IMPORT_ID, runId: text({ max: 200 }) },
    ({ importId, runId }) => cancelRun(importId, runId)),
  /** The record of a run or background preview (null when unknown or expired). */
  getRun: adminOnly('getRun', { importId: IMPORT_ID, runId: text({ max: 200 }) },
    ({ importId, runId }) => runRecord(importId, runId)),
  /** A page of a run's (or background preview's) per-record results, by kind and text. */
  getRunResults: adminOnly('getRunResults', {
    importId: IMPORT_ID, runId: text({ max: 200 }), offset: int({ min: 0, max: 10_000_000, optional: true }),
    limit: int({ min: 1, max: 500, optional: true }), query: text({ max: 200, optional: true }),
    kind: oneOf(['create', 'update', 'retire', 'error'], { optional: true }),
  }, (query) => runResults(query)),
  listRuns: adminOnly('listRuns', { importId: text({ max: 100, optional: true }), limit: int({ min: 1, max: 500, optional: true }) },
    ({ importId, limit }) => listRuns(importId, limit)),
});

/**
 * Scheduled trigger (every five minutes): queues one run of the imports whose schedule is due, in the order
 * the engine derives from their references. Forge may fire a tick twice: each import's due
 * slot is claimed atomically (config.claimScheduledRun), so a duplicate tick, even one running
 * at the same moment, starts nothing.
 */
export async function scheduler() {
  const now = Date.now();
  const due = [];
  const releases = [];
  const enabled = (await config.listImports()).filter((item) => item.enabled);
  for (const item of enabled) {
    const release = await config.claimScheduledRun(item, now, (last) => core.isScheduleDue(item.schedule, last, now));
    if (!release) continue;
    due.push(item);
    releases.push(release);
  }
  try {
    const dependencies = due.length ? await staleDependencies(enabled.filter((item) => !due.includes(item)), due, now) : [];
    const ids = [...due.map((item) => item.id), ...dependencies];
    if (ids.length === 1) await startRun(ids[0]);
    else if (ids.length > 1) await startBatch(ids, dependencies);
  } catch (error) {
    // Not queued: give the claims back, so the next tick queues the run instead of the next slot.
    await Promise.allSettled(releases.map((release) => release()));
    throw error;
  }
  return { statusCode: 204 };
}

/**
 * The imports among `others` that are stale for one of the `due` imports (they did not
 * refresh their objects within its cycle): candidates the batch runs first, and only when a
 * due import references their object type (the engine decides that from the mappings).
 */
async function staleDependencies(others, due, now) {
  const stale = [];
  for (const item of others) {
    const refreshedAt = await lastRefreshedAt(item.id);
    if (due.some((dependent) => core.isDependencyStale(dependent.schedule, refreshedAt, now))) stale.push(item.id);
  }
  return stale;
}

/** The longest wait Forge takes in an InvocationError (retryAfter, in seconds). */
const MAX_RETRY_AFTER_S = 900;
/** How soon an event is delivered again after a platform failure a retry can fix. */
const PLATFORM_RETRY_MS = 30_000;

/** Asks Forge to deliver the event again after `ms` (at least a second, at most 15 minutes). */
function retryAfter(ms) {
  const seconds = Math.min(MAX_RETRY_AFTER_S, Math.max(1, Math.ceil(ms / 1000) + 1));
  const options = { retryAfter: seconds, retryReason: forgeEvents.InvocationErrorCode?.FUNCTION_RETRY_REQUEST ?? 'FUNCTION_RETRY_REQUEST' };
  // InvocationError's constructor answers its wire form, the object Forge reads.
  return forgeEvents.InvocationError ? new forgeEvents.InvocationError(options) : { _retry: true, retryOptions: options };
}

/**
 * The slice event in a queue event's body, or null: `{importId | importIds, runId, slice}`.
 * A run's first event written without a number (`resume: false`, as before events were
 * numbered) is slice 0; a later one without its number cannot be placed and is refused.
 */
function sliceEvent(body) {
  if (body && typeof body === 'object' && body.slice === undefined && !body.resume) body = { ...body, slice: 0 };
  return isSliceEvent(body) ? body : null;
}

function isSliceEvent(body) {
  return Boolean(body) && typeof body.runId === 'string' && Number.isSafeInteger(body.slice) && body.slice >= 0 &&
    (typeof body.importId === 'string' || (isIdList(body.importIds) && (body.dependencies === undefined || isIdList(body.dependencies))));
}

function isIdList(ids) {
  return Array.isArray(ids) && ids.every((id) => typeof id === 'string');
}

/**
 * Queue consumer: runs one slice of a run. It returns normally for everything a redelivery
 * cannot change (Forge would otherwise redeliver the event for a day): a finished or failed
 * run (its record says why), a duplicate or stale event, an event that is not a run's slice,
 * a deleted import. It asks for a redelivery (an InvocationError with a wait) only when one
 * can help: the slice is claimed by an invocation that may still be running, the next slice
 * could not be queued, or the platform (storage, queue) failed before the run started.
 */
export async function syncWorker(event) {
  const raw = event?.body ?? event;
  if (raw?.preview && typeof raw.preview.importId === 'string' && typeof raw.preview.runId === 'string') {
    // A preview keeps no state to continue from: a failure is in its record, never retried.
    const report = await continuePreview(raw.preview).catch((error) => ({ status: 'failed', message: error.message }));
    console.log(`[tributary] preview ${raw.preview.runId}: ${report.status}${report.message ? ` (${report.message})` : ''}`);
    return;
  }
  const body = sliceEvent(raw);
  if (!body) {
    console.error(`[tributary] dropped a queue event that is not a run's slice: ${JSON.stringify(raw)?.slice(0, 200)}`);
    return;
  }
  const what = `run ${body.runId} slice ${body.slice}`;
  let result;
  try {
    result = await continueRun(body);
  } catch (error) {
    if (retryHelps(error)) {
      console.warn(`[tributary] ${what}: ${error.message}; delivering it again`);
      return retryAfter(PLATFORM_RETRY_MS);
    }
    console.error(`[tributary] ${what} stopped: ${error.message}`);
    return;
  }
  const { outcome, report, afterMs, error } = result;
  if (outcome === 'retry') {
    console.warn(`[tributary] ${what}: ${error?.message ?? report?.message ?? 'not run'}; delivering it again`);
    return retryAfter(afterMs);
  }
  if (outcome === 'dropped' && report.status === 'busy') {
    console.log(`[tributary] ${what}: ${report.imports?.at(-1)?.message ?? report.message}`);
  }
}
