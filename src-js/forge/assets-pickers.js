// The settings page's pickers (schemas, object types, attributes). The core's Assets client
// reads them, with the same retries, 429 handling and paging end as a sync; this module only
// caches the workspace id the core found (it never changes for a site).
import { kvs } from '@forge/kvs';

import * as core from '../core/index.js';
import { createForgeHost } from './sync-host.js';

const WORKSPACE_KEY = 'config:assets-workspace';

/** The workspace id if an earlier call cached it, else undefined (the core looks it up). */
export async function cachedWorkspaceId() {
  return (await kvs.get(WORKSPACE_KEY)) ?? undefined;
}

async function pick(read, options = {}) {
  const cached = await cachedWorkspaceId();
  const { workspaceId, items } = await read(createForgeHost({}), { ...options, ...(cached ? { workspaceId: cached } : {}) });
  if (workspaceId !== cached) await kvs.set(WORKSPACE_KEY, workspaceId);
  return items;
}

/** Object schemas: `[{id, name, objectSchemaKey}]`. */
export const listSchemas = () => pick(core.listSchemas);

/** Object types of a schema: `[{id, name, objectSchemaId?, parentObjectTypeId?}]`. */
export const listObjectTypes = (schemaId) => pick(core.listObjectTypes, { schemaId: String(schemaId ?? '') });

/** An object type's attributes, exactly as Assets returns them. */
export const getAttributes = (objectTypeId) => pick(core.listAttributes, { objectTypeId: String(objectTypeId ?? '') });
