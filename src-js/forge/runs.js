// Starting, continuing and listing sync runs on Forge. The engine (Rust) plans, writes, keeps
// the lease and the run record; this module only gives it a host and a queue to continue on.
import { randomUUID } from 'node:crypto';

// Namespace imports: what a runtime (or a stand-in for it) lacks is undefined, not a load error.
import * as forgeApi from '@forge/api';
import * as forgeEvents from '@forge/events';
import { kvs } from '@forge/kvs';

import * as core from '../core/index.js';
import { cachedWorkspaceId } from './assets-pickers.js';
import { getImport, getJumpCloudCredentials } from './config-store.js';
import { entriesWithPrefix, valuesWithPrefix } from './kvs-list.js';
import { createForgeHost } from './sync-host.js';

export const SYNC_QUEUE = 'tributary-sync';
const { runPrefix: RUN_PREFIX, resultsPrefix: RESULTS_PREFIX } = core.vocabulary().storage;
// Forge's default limit for consumers, assumed when the runtime does not say what is left
// (an old tunnel): the core's budget then still ends well before any real limit.
const DEFAULT_CONSUMER_LIMIT_MS = 55_000;
// Resolvers have 25 s; a preview that does not fit goes on in the background. The Forge
// variable TRIBUTARY_PREVIEW_BUDGET_MS may lower it (a smaller share of the page's wait).
const PREVIEW_BUDGET_MS = Math.min(20_000, Number(process.env.TRIBUTARY_PREVIEW_BUDGET_MS) || 20_000);
// Resolver answers are limited to 5 MB: list this many entries per kind, count the rest.
const PREVIEW_PLAN_LIMIT = 500;
// A background preview stops this long before its invocation does, to store its record.
const PREVIEW_MARGIN_MS = 15_000;

const queue = () => new forgeEvents.Queue({ key: SYNC_QUEUE });

/** Whether `error` is an instance of the @forge/events error class `name`. */
const isEventsError = (error, name) => typeof forgeEvents[name] === 'function' && error instanceof forgeEvents[name];

function forgeLog(level, message) {
  (level === 'error' ? console.error : level === 'warn' ? console.warn : console.log)(`[tributary] ${message}`);
}

async function hostFor() {
  return createForgeHost({ jumpcloud: await getJumpCloudCredentials(), log: forgeLog });
}

const newRunId = () => `${new Date().toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;

/** The engine's options for one saved import. */
async function importOptions(importId) {
  return optionsOf(importId, await getImport(importId));
}

/** The engine's options for an import's settings (saved, or a draft the page shows). */
async function optionsOf(importId, config) {
  const workspaceId = await cachedWorkspaceId();
  return {
    importId,
    mappingText: config.mapping,
    ...(workspaceId ? { workspaceId } : {}),
    ...(config.objectSchemaId ? { objectSchema: config.objectSchemaId } : {}),
    ...(config.objectTypeId ? { objectType: config.objectTypeId } : {}),
  };
}

/** Whether a retry can fix an error: the platform was busy or failing, not the app or its data. */
export function retryHelps(error) {
  const status = error?.responseDetails?.status;
  if (typeof status === 'number') return status === 429 || status >= 500;
  // @forge/events raises InternalServerError for any unexpected answer; its message starts
  // with the HTTP status.
  if (isEventsError(error, 'InternalServerError')) return !(Number.parseInt(error.message, 10) < 500);
  return isEventsError(error, 'RateLimitError');
}

/**
 * The run an event continues: `{importId}` or `{importIds}` (a batch, with the `dependencies`
 * among them that run only when another import of the batch references them), and `runId`.
 */
const runOf = ({ importId, importIds, dependencies, runId }) => (importIds
  ? { importIds, ...(dependencies?.length ? { dependencies } : {}), runId }
  : { importId, runId });

/**
 * Queues slice `slice` of a run. Each run has at most one slice event queued at a time: a
 * slice queues the next one only when it is done with its own work.
 */
const queueSlice = (run, slice) => queue().push({ body: { ...runOf(run), slice } });

/** Queues a run of one import; the consumer picks it up. Returns `{runId}`. */
export async function startRun(importId) {
  await getImport(importId); // a clear error for an unknown id, before anything is queued
  const runId = newRunId();
  await queueSlice({ importId, runId }, 0);
  return { runId };
}

/**
 * Queues one run of several imports, which the engine orders by their references (users
 * before the devices that name their owners). `dependencies` (among `importIds`) run only
 * when another import of the batch references their object type. Returns `{runId}`.
 */
export async function startBatch(importIds, dependencies = []) {
  const runId = newRunId();
  await queueSlice({ importIds, dependencies, runId }, 0);
  return { runId };
}

/** When the import's objects were last refreshed (the engine notes it), or undefined. */
export async function lastRefreshedAt(importId) {
  return core.lastRefreshedAt(await hostFor(), importId);
}

/** When Forge stops this invocation (ms since the epoch), from the time it says is left. */
function invocationDeadline() {
  let left = DEFAULT_CONSUMER_LIMIT_MS;
  try {
    left = forgeApi.getAppContext().invocationRemainingTimeInMillis();
  } catch {
    // A runtime that does not tell: assume Forge's default limit.
  }
  return Date.now() + (Number.isFinite(left) && left > 0 ? left : DEFAULT_CONSUMER_LIMIT_MS);
}

/**
 * One slice of a run (the queue consumer): the core claims the slice, works until done or
 * out of the invocation's time, and stores the run state; a slice that continues queues the
 * next slice, then tells the core it has handed over. The event is `{importId | importIds,
 * runId, slice}`. Returns `{outcome, report}`: `done` (the run ended, or its next slice is
 * queued), `dropped` (a duplicate or stale event: nothing to do), or `retry` with `afterMs`
 * (the slice is claimed by an invocation that may still be running, or could not be claimed
 * or handed over: deliver the event again after that).
 */
export async function continueRun(event) {
  const { importIds, slice } = event;
  const run = runOf(event);
  const host = await hostFor();
  const deadlineMs = invocationDeadline();
  const options = { runId: run.runId, resume: slice > 0, slice, deadlineMs };
  const dependencies = new Set(run.dependencies ?? []);
  // Every run keeps its per-record results for the page (getRunResults).
  const batchImport = async (id) => ({ ...(await importOptions(id)), keepResults: true, ...(dependencies.has(id) ? { onlyAsDependency: true } : {}) });
  const report = importIds
    ? await core.runSyncAll(host, { ...options, imports: await Promise.all(importIds.map(batchImport)) })
    : await core.runSync(host, { ...options, ...(await importOptions(run.importId)), keepResults: true });
  // A batch's verdict on the event is its last import's.
  const verdict = importIds ? report.imports.at(-1) ?? report : report;
  if (report.status === 'continue') {
    try {
      await queueSlice(run, slice + 1);
    } catch (error) {
      // The state is stored and this slice stays claimed until the deadline: a delivery
      // after it takes the slice over and queues the next one again.
      if (retryHelps(error)) return { outcome: 'retry', afterMs: deadlineMs - Date.now(), error };
      // Refused for good (the chain of 1000 pushes is used up): the run cannot go on; its
      // lease expires and the next run starts over.
      forgeLog('error', `run ${run.runId} cannot continue: slice ${slice + 1} could not be queued (${error.message})`);
      return { outcome: 'dropped', report };
    }
    try {
      await core.finishSlice(host, { ...run, slice });
    } catch (error) {
      // The next slice is queued, so the run goes on; only a copy of this event arriving
      // after the deadline would queue it once more, and the next slice's claim absorbs that.
      forgeLog('warn', `run ${run.runId}: slice ${slice} not marked finished: ${error.message}`);
    }
    return { outcome: 'done', report };
  }
  if (report.status === 'busy' && verdict.redeliver) {
    return { outcome: 'retry', afterMs: verdict.retryAfterMs ?? 0, report };
  }
  if (report.status === 'busy' && verdict.stale) return { outcome: 'dropped', report };
  await Promise.all((importIds ?? [run.importId]).map(pruneRuns));
  return { outcome: 'done', report };
}

/** Run records kept per import (older ones are deleted; all expire after 90 days anyway). */
export const RUNS_KEPT = 100;

/** Deletes an import's run records beyond the newest RUNS_KEPT, with their results. */
async function pruneRuns(importId) {
  const entries = await entriesWithPrefix(`${RUN_PREFIX}${importId}:`);
  const record = ({ value }) => (typeof value === 'string' ? JSON.parse(value) : value);
  const newestFirst = entries.sort((a, b) => (record(b)?.startedAt ?? 0) - (record(a)?.startedAt ?? 0));
  for (const entry of newestFirst.slice(RUNS_KEPT)) {
    const chunks = record(entry)?.results?.chunks ?? 0;
    const runId = entry.key.slice(`${RUN_PREFIX}${importId}:`.length);
    await Promise.all(Array.from({ length: chunks }, (_, i) => kvs.delete(`${RESULTS_PREFIX}${importId}:${runId}:${i}`)));
    await kvs.delete(entry.key);
  }
}

/** The full plan for an import without writing anything. */
export async function previewRun(importId, draft) {
  const options = {
    ...(await (draft ? optionsOf(importId, draft) : importOptions(importId))), dryRun: true, budgetMs: PREVIEW_BUDGET_MS, planLimit: PREVIEW_PLAN_LIMIT,
  };
  const report = await core.previewSync(await hostFor(), options);
  if (report.status !== 'continue') return report;
  // Too big for one resolver call: the preview goes on in the queue, where an invocation has
  // 15 minutes; the page follows it with getRun and pages its plan with getRunResults.
  const runId = newRunId();
  await queue().push({ body: { preview: { importId, runId, ...(draft ? { draft } : {}) } } });
  const { plan: _partial, ...soFar } = report;
  return {
    ...soFar, status: 'queued', runId, importId, dryRun: true,
    message: 'This preview needs more time than one page request has: it goes on in the background.',
  };
}

/**
 * A background preview (the queue consumer): the whole dry run in this invocation, keeping
 * its record (apart from the run history) and every planned entry for getRunResults.
 */
export async function continuePreview({ importId, runId, draft }) {
  const budgetMs = Math.max(1_000, invocationDeadline() - Date.now() - PREVIEW_MARGIN_MS);
  const options = {
    ...(await (draft ? optionsOf(importId, draft) : importOptions(importId))),
    dryRun: true, keepResults: true, planLimit: 0, runId, budgetMs,
  };
  return core.previewSync(await hostFor(), options);
}

/** Asks run `runId` of `importId` to stop (it ends `cancelled`, keeping what it wrote). */
export async function cancelRun(importId, runId) {
  return core.cancelRun(await hostFor(), { importId, runId });
}

/** The record of a run or background preview, or null. */
export async function runRecord(importId, runId) {
  return core.runRecord(await hostFor(), { importId, runId });
}

/** A page of a run's (or background preview's) per-record results. */
export async function runResults(query) {
  return core.runResults(await hostFor(), query);
}

/** Run records, newest first, at most `limit` (default 50); all imports or one. */
export async function listRuns(importId, limit = 50) {
  const prefix = importId ? `${RUN_PREFIX}${importId}:` : RUN_PREFIX;
  // The engine stores its run records as JSON text.
  const runs = (await valuesWithPrefix(prefix, 50)).map((v) => (typeof v === 'string' ? JSON.parse(v) : v));
  const newestFirst = runs.sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0));
  return newestFirst.slice(0, Math.max(1, Math.min(Number(limit) || 50, 500)));
}
