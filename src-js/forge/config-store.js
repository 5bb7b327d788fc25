// What the admin configures, in Forge KVS: the JumpCloud connection (the API key as a KVS
// secret, never returned to the page) and the imports.
import { kvs } from '@forge/kvs';

import { checkSchedule, jumpcloudBaseUrl, vocabulary } from '../core/index.js';
import { valuesWithPrefix } from './kvs-list.js';

const CONNECTION_KEY = 'config:connection';
const API_KEY_SECRET = 'config:jumpcloud-api-key';
const IMPORT_PREFIX = 'config:import:';
// When the scheduler last queued an import's run: a key of its own, so that the scheduler
// never rewrites an import an admin may be saving at the same moment.
const SCHEDULED_PREFIX = 'config:scheduled:';
const { idRule } = vocabulary();
const ID_PATTERN = new RegExp(idRule.pattern);

/**
 * The stored connection without the key: `{region, orgId?, hasApiKey, lastTested?}`, where
 * `lastTested` is `{at, ok, message}` of the last test of the stored settings.
 */
export async function getConnection() {
  const connection = (await kvs.get(CONNECTION_KEY)) ?? { region: 'US' };
  const hasApiKey = Boolean(await kvs.getSecret(API_KEY_SECRET));
  return {
    region: connection.region,
    ...(connection.orgId ? { orgId: connection.orgId } : {}),
    hasApiKey,
    ...(connection.lastTested ? { lastTested: connection.lastTested } : {}),
  };
}

/** Checks typed connection settings; returns them normalised (throws naming the bad one). */
function checkConnection({ apiKey, orgId, region = 'US' }) {
  const normalizedRegion = String(region).toUpperCase();
  jumpcloudBaseUrl(normalizedRegion); // throws, naming the allowed regions, for any other
  if (apiKey !== undefined && (typeof apiKey !== 'string' || apiKey.trim() === '')) {
    throw new Error('The API key must be a non-empty text.');
  }
  if (orgId !== undefined && orgId !== '' && !/^[0-9a-f]{24}$/i.test(orgId)) {
    throw new Error('The organization id must be the 24-character id shown in the JumpCloud console.');
  }
  return { apiKey: apiKey?.trim(), orgId: orgId || undefined, region: normalizedRegion };
}

/** Saves region and org id; replaces the API key only when a new one is given. */
export async function saveConnection(input = {}) {
  const { apiKey, orgId, region } = checkConnection(input);
  // New settings have not been tested yet: the last test spoke of the old ones.
  await kvs.set(CONNECTION_KEY, { region, ...(orgId ? { orgId } : {}) });
  if (apiKey !== undefined) await kvs.setSecret(API_KEY_SECRET, apiKey);
  return { ok: true };
}

/** Remembers how the test of the stored settings went (for the page's "last tested" line). */
export async function recordConnectionTest(ok, message, at = Date.now()) {
  const connection = (await kvs.get(CONNECTION_KEY)) ?? { region: 'US' };
  await kvs.set(CONNECTION_KEY, { ...connection, lastTested: { at, ok, message: String(message).slice(0, 300) } });
}

/**
 * The connection with its key, for the host only: `{baseUrl, apiKey, orgId}`. `typed` settings
 * (from a page that tests before saving) win over the stored ones; an org id typed empty means
 * none.
 */
export async function getJumpCloudCredentials(typed = {}) {
  const connection = (await kvs.get(CONNECTION_KEY)) ?? { region: 'US' };
  const checked = checkConnection({ region: connection.region ?? 'US', ...typed });
  return {
    baseUrl: jumpcloudBaseUrl(checked.region),
    apiKey: checked.apiKey ?? (await kvs.getSecret(API_KEY_SECRET)),
    orgId: typed.orgId !== undefined ? checked.orgId : connection.orgId,
  };
}

/** Every configured import, in name order. */
export async function listImports() {
  return (await valuesWithPrefix(IMPORT_PREFIX)).sort((a, b) => a.name.localeCompare(b.name));
}

/** There is no import with this id (deleted, or never saved). */
export class UnknownImportError extends Error {}

/** One import by id, or an UnknownImportError naming the id. */
export async function getImport(id) {
  const found = typeof id === 'string' ? await kvs.get(IMPORT_PREFIX + id) : undefined;
  if (!found) throw new UnknownImportError(`No import with id '${id}'.`);
  return found;
}

/** Creates or replaces an import after checking its fields. */
export async function saveImport(input, newId) {
  const checked = checkImport(input);
  const sameName = (await listImports()).find((other) => other.id !== input.id
    && other.name.trim().toLowerCase() === checked.name.trim().toLowerCase());
  if (sameName) throw new Error(`Another import is already called '${sameName.name}': give this one another name.`);
  const saved = { ...checked, id: input.id ?? newId() };
  await kvs.set(IMPORT_PREFIX + saved.id, saved);
  return saved;
}

/** The import to store, from what a page sent; throws an Error naming the first bad field. */
export function checkImport(input) {
  if (!input || typeof input !== 'object') throw new Error('saveImport needs an import object.');
  const name = String(input.name ?? '').trim();
  if (!name) throw new Error('The import needs a name.');
  if (typeof input.mapping !== 'string') throw new Error('The import needs a mapping text.');
  const schedule = input.schedule ?? 'manual';
  try {
    checkSchedule(schedule);
  } catch (error) {
    throw new Error(`Schedule: ${error.message}.`);
  }
  if (input.enabled !== undefined && typeof input.enabled !== 'boolean') {
    throw new Error(`'enabled' must be true or false (got ${JSON.stringify(input.enabled)}).`);
  }
  for (const field of ['objectSchemaId', 'objectTypeId']) {
    const value = input[field];
    if (value !== undefined && value !== null && value !== '' && !/^\d{1,18}$/.test(String(value))) {
      throw new Error(`'${field}' must be a numeric Assets id (got ${JSON.stringify(value)}).`);
    }
  }
  if (input.id !== undefined && !(typeof input.id === 'string' && ID_PATTERN.test(input.id))) {
    throw new Error(`'id' must be 1-100 letters, digits, '.', '_' or '-'.`);
  }
  if (input.mapping.length > 1_000_000) throw new Error('The mapping text is longer than 1,000,000 characters.');
  const lastScheduledAt = input.lastScheduledAt;
  // A time the scheduler stored: never in the future, never before the app existed.
  if (lastScheduledAt !== undefined && !(Number.isSafeInteger(lastScheduledAt) && lastScheduledAt > 0 && lastScheduledAt <= Date.now() + 60_000)) {
    throw new Error("'lastScheduledAt' must be a time in milliseconds that has passed.");
  }
  return {
    ...(input.id !== undefined ? { id: input.id } : {}),
    name,
    objectSchemaId: input.objectSchemaId ? String(input.objectSchemaId) : undefined,
    objectTypeId: input.objectTypeId ? String(input.objectTypeId) : undefined,
    mapping: input.mapping,
    schedule,
    enabled: input.enabled !== false,
    ...(lastScheduledAt !== undefined ? { lastScheduledAt } : {}),
  };
}

/** Deletes an import's configuration (its objects in Assets are left alone). */
export async function deleteImport(id) {
  await getImport(id);
  await kvs.delete(IMPORT_PREFIX + id);
  await kvs.delete(SCHEDULED_PREFIX + id).catch(() => {}); // never scheduled: nothing to delete
  return { ok: true };
}

/** When the scheduler last queued a run of `item` (ms), if it ever did. */
async function lastScheduled(item) {
  return (await kvs.get(SCHEDULED_PREFIX + item.id)) ?? item.lastScheduledAt;
}

/**
 * Claims `item`'s scheduled run at `now` when `isDue(lastScheduledAt)` says it is due:
 * swaps `now` in atomically and looks at the time it replaced, so that of two ticks at the
 * same moment only one sees a due time. Returns a function that gives the claim back (the
 * run could not be queued), or null when the run is not due or another tick claimed it.
 */
export async function claimScheduledRun(item, now, isDue) {
  const key = SCHEDULED_PREFIX + item.id;
  if (!isDue(await lastScheduled(item))) return null;
  const previous = await kvs.set(key, now, { keyPolicy: 'OVERRIDE', returnValue: 'PREVIOUS' });
  const last = typeof previous?.value === 'number' ? previous.value : item.lastScheduledAt;
  if (!isDue(last)) return null;
  return () => (last === undefined ? kvs.delete(key) : kvs.set(key, last));
}
