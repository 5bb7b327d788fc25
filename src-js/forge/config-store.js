// What the admin configures, in Forge KVS: the JumpCloud connection (the API key as a KVS
// secret, never returned to the page) and the imports.
import { kvs } from '@forge/kvs';

import { checkSchedule, jumpcloudBaseUrl, vocabulary } from '../core/index.js';
import { valuesWithPrefix } from './kvs-list.js';

const CONNECTION_KEY = 'config:connection';
const API_KEY_SECRET = 'config:jumpcloud-api-key';
const IMPORT_PREFIX = 'config:import:';
const { idRule } = vocabulary();
const ID_PATTERN = new RegExp(idRule.pattern);

/** The stored connection without the key: `{region, orgId?, hasApiKey}`. */
export async function getConnection() {
  const connection = (await kvs.get(CONNECTION_KEY)) ?? { region: 'US' };
  const hasApiKey = Boolean(await kvs.getSecret(API_KEY_SECRET));
  return { region: connection.region, ...(connection.orgId ? { orgId: connection.orgId } : {}), hasApiKey };
}

/** Saves region and org id; replaces the API key only when a new one is given. */
export async function saveConnection({ apiKey, orgId, region = 'US' } = {}) {
  const normalizedRegion = String(region).toUpperCase();
  jumpcloudBaseUrl(normalizedRegion); // throws, naming the allowed regions, for any other
  if (apiKey !== undefined && (typeof apiKey !== 'string' || apiKey.trim() === '')) {
    throw new Error('The API key must be a non-empty text.');
  }
  if (orgId !== undefined && orgId !== '' && !/^[0-9a-f]{24}$/i.test(orgId)) {
    throw new Error('The organization id must be the 24-character id shown in the JumpCloud console.');
  }
  await kvs.set(CONNECTION_KEY, { region: normalizedRegion, ...(orgId ? { orgId } : {}) });
  if (apiKey !== undefined) await kvs.setSecret(API_KEY_SECRET, apiKey.trim());
  return { ok: true };
}

/** The connection with its key, for the host only: `{baseUrl, apiKey, orgId}`. */
export async function getJumpCloudCredentials() {
  const connection = (await kvs.get(CONNECTION_KEY)) ?? { region: 'US' };
  return {
    baseUrl: jumpcloudBaseUrl(connection.region ?? 'US'),
    apiKey: await kvs.getSecret(API_KEY_SECRET),
    orgId: connection.orgId,
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
  const saved = { ...checkImport(input), id: input.id ?? newId() };
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
  return { ok: true };
}
