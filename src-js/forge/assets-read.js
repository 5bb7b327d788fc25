// Read-only Assets lookups for the settings page's pickers, as the app.
import { asApp, route } from '@forge/api';
import { kvs } from '@forge/kvs';

const WORKSPACE_KEY = 'config:assets-workspace';

async function getJson(path, what) {
  const response = await asApp().requestJira(path, { headers: { Accept: 'application/json' } });
  if (!response.ok) {
    throw new Error(`Assets refused to list ${what} (HTTP ${response.status}).`);
  }
  return response.json();
}

/** The workspace id if an earlier call cached it, else undefined (the engine looks it up). */
export async function cachedWorkspaceId() {
  return (await kvs.get(WORKSPACE_KEY)) ?? undefined;
}

/** The site's Assets workspace id (cached in KVS; it never changes for a site). */
export async function workspaceId() {
  const cached = await kvs.get(WORKSPACE_KEY);
  if (cached) return cached;
  const body = await getJson(route`/rest/servicedeskapi/assets/workspace`, 'workspaces');
  const id = body.values?.[0]?.workspaceId;
  if (!id) throw new Error('This site has no Assets workspace (Assets needs JSM Premium or Enterprise).');
  await kvs.set(WORKSPACE_KEY, id);
  return id;
}

/** Object schemas: `[{id, name, objectSchemaKey}]`. */
export async function listSchemas() {
  const ws = await workspaceId();
  const schemas = [];
  for (let startAt = 0, page = 0; page < 100; page += 1) {
    const body = await getJson(route`/jsm/assets/workspace/${ws}/v1/objectschema/list?startAt=${startAt}&maxResults=50`, 'object schemas');
    schemas.push(...(body.values ?? []).map(({ id, name, objectSchemaKey }) => ({ id, name, objectSchemaKey })));
    if (body.isLast !== false || !(body.values ?? []).length) break;
    startAt += body.values.length;
  }
  return schemas;
}

/** Object types of a schema: `[{id, name}]`. */
export async function listObjectTypes(schemaId) {
  if (!/^\d+$/.test(String(schemaId ?? ''))) throw new Error(`Not an object schema id: '${schemaId}'.`);
  const ws = await workspaceId();
  const types = await getJson(route`/jsm/assets/workspace/${ws}/v1/objectschema/${schemaId}/objecttypes/flat`, 'object types');
  return types.map(({ id, name, parentObjectTypeId }) => ({ id, name, ...(parentObjectTypeId ? { parentObjectTypeId } : {}) }));
}

/** An object type's attributes, exactly as Assets returns them. */
export async function getAttributes(objectTypeId) {
  if (!/^\d+$/.test(String(objectTypeId ?? ''))) throw new Error(`Not an object type id: '${objectTypeId}'.`);
  const ws = await workspaceId();
  return getJson(route`/jsm/assets/workspace/${ws}/v1/objecttype/${objectTypeId}/attributes`, 'attributes');
}
