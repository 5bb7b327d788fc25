// Starting, continuing and listing sync runs on Forge. The engine (Rust) plans, writes, keeps
// the lease and the run record; this module only gives it a host and a queue to continue on.
import { randomUUID } from 'node:crypto';

import { Queue } from '@forge/events';
import { kvs, WhereConditions } from '@forge/kvs';

import * as core from '../core/index.js';
import { getImport, getJumpCloudCredentials } from './config-store.js';
import { createForgeHost } from './sync-host.js';

export const SYNC_QUEUE = 'tributary-sync';
const RUN_PREFIX = 'tributary:run:';
// Leave headroom under the consumer's 900 s limit for the final state save.
const CONSUMER_BUDGET_MS = 780_000;
// Resolvers have 25 s; a preview that does not fit reports how far it got.
const PREVIEW_BUDGET_MS = 20_000;

const queue = () => new Queue({ key: SYNC_QUEUE });

function forgeLog(level, message) {
  (level === 'error' ? console.error : level === 'warn' ? console.warn : console.log)(`[tributary] ${message}`);
}

async function hostFor() {
  return createForgeHost({ jumpcloud: await getJumpCloudCredentials(), log: forgeLog });
}

/** Queues a run of one import; the consumer picks it up. Returns `{runId}`. */
export async function startRun(importId, { trigger = 'manual' } = {}) {
  await getImport(importId); // a clear error for an unknown id, before anything is queued
  const runId = `${new Date().toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;
  await queue().push({ body: { importId, runId, resume: false, trigger } });
  return { runId };
}

/** One slice of a run (the queue consumer): runs until done or out of budget, then re-queues. */
export async function continueRun({ importId, runId, resume }) {
  const config = await getImport(importId);
  const options = {
    importId,
    runId,
    resume: Boolean(resume),
    mappingText: config.mapping,
    ...(config.objectSchemaId ? { objectSchema: config.objectSchemaId } : {}),
    ...(config.objectTypeId ? { objectType: config.objectTypeId } : {}),
    budgetMs: CONSUMER_BUDGET_MS,
  };
  const report = await core.runSync(await hostFor(), JSON.stringify(options));
  if (report.status === 'continue') {
    await queue().push({ body: { importId, runId, resume: true } });
  }
  return report;
}

/** The full plan for an import without writing anything. */
export async function previewRun(importId) {
  const config = await getImport(importId);
  const options = {
    importId,
    mappingText: config.mapping,
    ...(config.objectSchemaId ? { objectSchema: config.objectSchemaId } : {}),
    ...(config.objectTypeId ? { objectType: config.objectTypeId } : {}),
    dryRun: true,
    budgetMs: PREVIEW_BUDGET_MS,
  };
  return core.previewSync(await hostFor(), JSON.stringify(options));
}

/** Run records, newest first; all imports or one. */
export async function listRuns(importId) {
  const prefix = importId ? `${RUN_PREFIX}${importId}:` : RUN_PREFIX;
  const runs = [];
  let cursor;
  for (let page = 0; page < 50; page += 1) {
    let query = kvs.query().where('key', WhereConditions.beginsWith(prefix)).limit(100);
    if (cursor) query = query.cursor(cursor);
    const { results, nextCursor } = await query.getMany();
    runs.push(...results.map((r) => (typeof r.value === 'string' ? JSON.parse(r.value) : r.value)));
    if (!nextCursor) break;
    cursor = nextCursor;
  }
  return runs.sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0));
}
