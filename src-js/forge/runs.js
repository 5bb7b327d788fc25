// Starting, continuing and listing sync runs on Forge. The engine (Rust) plans, writes, keeps
// the lease and the run record; this module only gives it a host and a queue to continue on.
import { randomUUID } from 'node:crypto';

import { Queue } from '@forge/events';
import { kvs } from '@forge/kvs';

import * as core from '../core/index.js';
import { cachedWorkspaceId } from './assets-pickers.js';
import { getImport, getJumpCloudCredentials } from './config-store.js';
import { entriesWithPrefix, valuesWithPrefix } from './kvs-list.js';
import { createForgeHost } from './sync-host.js';

export const SYNC_QUEUE = 'tributary-sync';
const RUN_PREFIX = core.vocabulary().storage.runPrefix;
// Leave headroom under the consumer's 900 s limit for the final state save.
const CONSUMER_BUDGET_MS = 780_000;
// Resolvers have 25 s; a preview that does not fit reports how far it got.
const PREVIEW_BUDGET_MS = 20_000;
// Resolver answers are limited to 5 MB: list this many entries per kind, count the rest.
const PREVIEW_PLAN_LIMIT = 500;

const queue = () => new Queue({ key: SYNC_QUEUE });

function forgeLog(level, message) {
  (level === 'error' ? console.error : level === 'warn' ? console.warn : console.log)(`[tributary] ${message}`);
}

async function hostFor() {
  return createForgeHost({ jumpcloud: await getJumpCloudCredentials(), log: forgeLog });
}

const newRunId = () => `${new Date().toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;

/** The engine's options for one saved import. */
async function importOptions(importId) {
  const config = await getImport(importId);
  const workspaceId = await cachedWorkspaceId();
  return {
    importId,
    mappingText: config.mapping,
    ...(workspaceId ? { workspaceId } : {}),
    ...(config.objectSchemaId ? { objectSchema: config.objectSchemaId } : {}),
    ...(config.objectTypeId ? { objectType: config.objectTypeId } : {}),
  };
}

/** Queues a run of one import; the consumer picks it up. Returns `{runId}`. */
export async function startRun(importId, { trigger = 'manual' } = {}) {
  await getImport(importId); // a clear error for an unknown id, before anything is queued
  const runId = newRunId();
  await queue().push({ body: { importId, runId, resume: false, trigger } });
  return { runId };
}

/**
 * Queues one run of several imports, which the engine orders by their references (users
 * before the devices that name their owners). Returns `{runId}`.
 */
export async function startBatch(importIds, { trigger = 'schedule' } = {}) {
  const runId = newRunId();
  await queue().push({ body: { importIds, runId, resume: false, trigger } });
  return { runId };
}

/**
 * One slice of a run (the queue consumer): runs until done or out of budget, then queues the
 * next slice. The event is `{importId | importIds, runId, resume}`.
 */
export async function continueRun({ importId, importIds, runId, resume }) {
  const host = await hostFor();
  const slice = { runId, resume: Boolean(resume), budgetMs: CONSUMER_BUDGET_MS };
  const report = importIds
    ? await core.runSyncAll(host, { ...slice, imports: await Promise.all(importIds.map(importOptions)) })
    : await core.runSync(host, { ...slice, ...(await importOptions(importId)) });
  if (report.status === 'continue') {
    await queue().push({ body: { importId, importIds, runId, resume: true } });
  } else {
    await Promise.all((importIds ?? [importId]).map(pruneRuns));
  }
  return report;
}

/** Run records kept per import (older ones are deleted; all expire after 90 days anyway). */
export const RUNS_KEPT = 100;

/** Deletes an import's run records beyond the newest RUNS_KEPT. */
async function pruneRuns(importId) {
  const entries = await entriesWithPrefix(`${RUN_PREFIX}${importId}:`);
  const startedAt = ({ value }) => (typeof value === 'string' ? JSON.parse(value) : value)?.startedAt ?? 0;
  const newestFirst = entries.sort((a, b) => startedAt(b) - startedAt(a));
  await Promise.all(newestFirst.slice(RUNS_KEPT).map(({ key }) => kvs.delete(key)));
}

/** The full plan for an import without writing anything. */
export async function previewRun(importId) {
  const options = {
    ...(await importOptions(importId)), dryRun: true, budgetMs: PREVIEW_BUDGET_MS, planLimit: PREVIEW_PLAN_LIMIT,
  };
  return core.previewSync(await hostFor(), options);
}

/** Run records, newest first, at most `limit` (default 50); all imports or one. */
export async function listRuns(importId, limit = 50) {
  const prefix = importId ? `${RUN_PREFIX}${importId}:` : RUN_PREFIX;
  // The engine stores its run records as JSON text.
  const runs = (await valuesWithPrefix(prefix, 50)).map((v) => (typeof v === 'string' ? JSON.parse(v) : v));
  const newestFirst = runs.sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0));
  return newestFirst.slice(0, Math.max(1, Math.min(Number(limit) || 50, 500)));
}
