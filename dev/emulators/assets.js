// Jira Service Management Assets emulator (127.0.0.1 only), plus the few Jira platform
// endpoints a sync needs (workspace discovery, user search, admin permission check).
//
// Assets routes live under /jsm/assets/workspace/{workspaceId}/v1 (the path Forge's
// requestJira and api.atlassian.com both use) and follow specs/assets. Control API (not part of
// Jira): GET /__control/state, POST /__control/faults.
import { HttpError, boolParam, faultControlRoute, intParam, startServer } from './http.js';
import { QuotaBook } from './quota.js';
import { createValidator } from './spec.js';
import { DEFAULT_TYPES, Workspace } from './assets-state.js';

/** The spec's per-key limits per minute: create, GET object and type attributes 2000, AQL 1000, AQL totalcount 500. */
export const DOCUMENTED_QUOTAS = { createObject: 2000, getObject: 2000, aql: 1000, aqlTotalCount: 500, typeAttributes: 2000 };

const BASE = '/jsm/assets/workspace/{workspaceId}/v1';

/** The documented `Errors` shape `{errorMessages, errors}`. */
function assetsError(status, message) {
  return { errorMessages: [message], errors: {} };
}

/**
 * Starts the Assets emulator.
 *
 * @param {object} [options]
 * @param {string} [options.workspaceId] defaults to a fixed UUID-like id.
 * @param {string} [options.site] the Jira site name used in links.
 * @param {{email: string, apiToken: string}} [options.auth] Basic credentials for direct calls.
 * @param {boolean} [options.allowAppCalls=true] accept requests without Authorization as
 *   calls made by the Forge app (the local Forge runtime calls this way). With `auth` set and
 *   this false, every request needs Basic auth.
 * @param {'demo'|'empty'} [options.schemas='demo'] the starting object schema.
 * @param {object|false} [options.quotas] per-bucket limits merged over DOCUMENTED_QUOTAS, plus
 *   `windowMs`; false disables quotas.
 * @param {{users?: object[], groups?: string[], admins?: string[]}} [options.jira] Jira accounts
 *   (`{accountId, displayName, emailAddress, hideEmail?, active?}`), group names, and the
 *   account ids / emails (or "app") that hold ADMINISTER; omitted: everyone does.
 * @param {object} [options.faults] fault plan (see faults.js).
 * @param {number} [options.latencyMs=0] network latency added to every request (see http.js).
 * @param {boolean|'strict'} [options.validate=true]
 */
export async function startAssetsEmulator({
  port = 0,
  host = '127.0.0.1',
  workspaceId = '8b7f1c2e-4d5a-4e6f-9a0b-1c2d3e4f5a6b',
  site = 'tributary-emulator',
  auth,
  allowAppCalls = true,
  schemas = 'demo',
  quotas,
  jira = {},
  faults,
  validate = true,
  clock,
  latencyMs = 0,
} = {}) {
  const workspace = new Workspace({
    workspaceId,
    site,
    jiraUsers: jira.users ?? [],
    jiraGroups: jira.groups ?? ['jira-admins', 'jira-servicemanagement-users', 'it-support'],
    clock,
  });
  if (schemas === 'demo') installDemoSchema(workspace);
  else if (schemas !== 'empty') throw new Error(`schemas must be "demo" or "empty", got ${JSON.stringify(schemas)}`);
  // null: everyone (and the app) holds ADMINISTER, which suits the sandbox.
  const admins = jira.admins ? new Set(jira.admins) : null;
  const quotaBook = new QuotaBook(quotas === false ? false : { ...DOCUMENTED_QUOTAS, ...(quotas ?? {}) }, { windowMs: quotas?.windowMs });
  const views = makeViews(workspace);

  const requireType = (id) => {
    const type = workspace.objectTypes.get(String(id));
    if (!type) throw new HttpError(404, `object type ${id} does not exist`);
    return type;
  };
  const requireObject = (id) => {
    const object = workspace.objects.get(String(id));
    if (!object) throw new HttpError(404, `object ${id} does not exist`);
    return object;
  };

  const assets = (path) => ({ api: 'assets', path });
  const jiraSpec = (path) => ({ api: 'jira-platform', path });
  const routes = [
    {
      method: 'GET', template: '/rest/servicedeskapi/assets/workspace', spec: jiraSpec('/rest/servicedeskapi/assets/workspace'),
      handler: ({ query }) => {
        intParam(query, 'start', 0, { min: 0 });
        const limit = intParam(query, 'limit', 50, { min: 1 });
        return {
          body: {
            size: 1, start: 0, limit, isLastPage: true,
            _links: { base: `https://${site}.atlassian.net/rest/servicedeskapi`, context: '', self: `https://${site}.atlassian.net/rest/servicedeskapi/assets/workspace` },
            values: [{ workspaceId }],
          },
        };
      },
    },
    {
      method: 'GET', template: '/rest/api/3/user/search', spec: jiraSpec('/rest/api/3/user/search'),
      handler: ({ query }) => {
        const text = query.get('query');
        const accountId = query.get('accountId');
        if (!text && !accountId) throw new HttpError(400, "The query parameter 'query' or 'accountId' is required.");
        const startAt = intParam(query, 'startAt', 0, { min: 0 });
        const maxResults = intParam(query, 'maxResults', 50, { min: 1, max: 1000 });
        const needle = (text ?? '').toLowerCase();
        const found = workspace.jiraUsers.filter((u) => {
          if (accountId && u.accountId !== accountId) return false;
          if (!text) return true;
          // Hidden emails are not searchable: privacy settings keep them out of user search.
          const email = !u.hideEmail && (u.emailAddress ?? '').toLowerCase().startsWith(needle);
          const name = (u.displayName ?? '').toLowerCase().split(/\s+/).some((word) => word.startsWith(needle))
            || (u.displayName ?? '').toLowerCase().startsWith(needle);
          return email || name;
        });
        return { body: found.slice(startAt, startAt + maxResults).map(views.jiraUser) };
      },
    },
    {
      method: 'POST', template: '/rest/api/3/permissions/check', spec: jiraSpec('/rest/api/3/permissions/check'),
      handler: ({ body, caller }) => {
        if (!body || typeof body !== 'object') throw new HttpError(400, 'request body must be a JSON object');
        const wanted = body.globalPermissions ?? [];
        if (!Array.isArray(wanted)) throw new HttpError(400, 'globalPermissions must be an array');
        // Whose permissions: the accountId in the body, else the user the call is made as
        // (x-emulator-account-id, e.g. Forge asUser), else the Basic-auth user, else the app.
        const who = body.accountId ?? caller.accountId ?? caller.email ?? 'app';
        const isAdmin = admins === null || admins.has(who);
        const granted = wanted.filter((p) => ['ADMINISTER', 'SYSTEM_ADMIN'].includes(p) ? isAdmin : p === 'USER_PICKER' || p === 'BROWSE_USERS');
        return { body: { globalPermissions: granted, projectPermissions: [] } };
      },
    },
    {
      method: 'GET', template: `${BASE}/objectschema/list`, spec: assets('/objectschema/list'),
      handler: ({ query }) => {
        const startAt = intParam(query, 'startAt', 0, { min: 0 });
        const maxResults = intParam(query, 'maxResults', 25, { min: 1 });
        const includeCounts = boolParam(query, 'includeCounts', false);
        const all = [...workspace.schemas.values()];
        const values = all.slice(startAt, startAt + maxResults).map((s) => views.schema(s, includeCounts));
        const isLast = startAt + values.length >= all.length;
        return { body: { startAt, maxResults, total: all.length, values, last: isLast, isLast } };
      },
    },
    {
      method: 'GET', template: `${BASE}/objectschema/{id}/objecttypes/flat`, spec: assets('/objectschema/{id}/objecttypes/flat'),
      handler: ({ params, query }) => {
        if (!workspace.schemas.has(params.id)) throw new HttpError(404, `object schema ${params.id} does not exist`);
        const exclude = query.get('exclude');
        // The spec types `query` as boolean but describes it as names to search for; a name filter it is.
        const search = query.get('query');
        const counts = boolParam(query, 'includeObjectCounts', false);
        const types = [...workspace.objectTypes.values()].filter((t) => t.objectSchemaId === params.id && t.name !== exclude
          && (!search || search === 'true' || search === 'false' || t.name.toLowerCase().includes(search.toLowerCase())));
        return { body: types.map((t) => views.objectType(t, counts)) };
      },
    },
    {
      method: 'GET', template: `${BASE}/objectschema/{id}`, spec: assets('/objectschema/{id}'),
      handler: ({ params }) => {
        const schema = workspace.schemas.get(params.id);
        if (!schema) throw new HttpError(404, `object schema ${params.id} does not exist`);
        return { body: views.schema(schema, true) };
      },
    },
    {
      method: 'GET', template: `${BASE}/objecttype/{id}`, spec: assets('/objecttype/{id}'),
      handler: ({ params }) => ({ body: views.objectType(requireType(params.id), true) }),
    },
    {
      method: 'GET', template: `${BASE}/config/statustype`, spec: assets('/config/statustype'),
      handler: ({ query }) => {
        const schemaId = query.get('objectSchemaId');
        if (schemaId && !workspace.schemas.has(schemaId)) throw new HttpError(404, `object schema ${schemaId} does not exist`);
        // Global statuses (objectSchemaId null) apply to every schema.
        const list = [...workspace.statuses.values()].filter((st) => !st.objectSchemaId || st.objectSchemaId === schemaId);
        return { body: list.map(views.status) };
      },
    },
    {
      method: 'GET', template: `${BASE}/config/referencetype`, spec: assets('/config/referencetype'),
      handler: ({ query }) => {
        const schemaId = query.get('objectSchemaId');
        if (schemaId && !workspace.schemas.has(schemaId)) throw new HttpError(404, `object schema ${schemaId} does not exist`);
        // The emulator's reference types are all global (objectSchemaId null).
        return { body: [...workspace.referenceTypes.values()].map((r) => ({ ...r, objectSchemaId: null })) };
      },
    },
    {
      method: 'GET', template: `${BASE}/config/statustype/{id}`, spec: assets('/config/statustype/{id}'),
      handler: ({ params }) => {
        const status = workspace.statuses.get(params.id);
        if (!status) throw new HttpError(404, `status ${params.id} does not exist`);
        return { body: views.status(status) };
      },
    },
    {
      method: 'GET', template: `${BASE}/icon/global`, spec: assets('/icon/global'),
      handler: () => ({ body: [...workspace.icons].map(([iconId, name]) => views.icon(iconId, name)) }),
    },
    {
      method: 'POST', template: `${BASE}/objecttype/create`, spec: assets('/objecttype/create'),
      handler: ({ body }) => {
        if (!body || typeof body !== 'object') throw new HttpError(400, 'body must be an ObjectTypeIn object');
        for (const field of ['name', 'iconId', 'objectSchemaId']) {
          if (body[field] === undefined || body[field] === '') {
            throw new HttpError(400, `${field} is required`, { body: { errorMessages: [], errors: { [field]: `${field} is required` } } });
          }
        }
        return { status: 201, body: views.objectType(workspace.createObjectType(body), false) };
      },
    },
    {
      method: 'GET', template: `${BASE}/objecttype/{id}/attributes`, spec: assets('/objecttype/{id}/attributes'), quota: 'typeAttributes',
      handler: ({ params, query }) => {
        const type = requireType(params.id);
        let list = workspace.attributesOf(type.id);
        if (boolParam(query, 'onlyValueEditable', false)) list = list.filter((a) => a.editable && !a.system);
        const text = query.get('query');
        if (text) list = list.filter((a) => a.name.toLowerCase().includes(text.toLowerCase()));
        if (boolParam(query, 'orderByName', false)) list = [...list].sort((a, b) => a.name.localeCompare(b.name));
        if (boolParam(query, 'orderByRequired', false)) list = [...list].sort((a, b) => b.minimumCardinality - a.minimumCardinality);
        return { body: list.map(views.attribute) };
      },
    },
    {
      method: 'POST', template: `${BASE}/objecttypeattribute/{objectTypeId}`, spec: assets('/objecttypeattribute/{objectTypeId}'),
      handler: ({ params, body }) => {
        if (!body || typeof body !== 'object') throw new HttpError(400, 'body must be an ObjectTypeAttributeCreate object');
        return { status: 201, body: views.attribute(workspace.createAttribute(params.objectTypeId, body)) };
      },
    },
    {
      method: 'PUT', template: `${BASE}/objecttypeattribute/{objectTypeId}/{id}`, spec: assets('/objecttypeattribute/{objectTypeId}/{id}'),
      handler: ({ params, body }) => {
        if (!body || typeof body !== 'object') throw new HttpError(400, 'body must be an ObjectTypeAttributeUpdate object');
        return { body: views.attribute(workspace.updateAttribute(params.objectTypeId, params.id, body)) };
      },
    },
    {
      method: 'POST', template: `${BASE}/object/create`, spec: assets('/object/create'), quota: 'createObject',
      handler: ({ body }) => ({ status: 201, body: views.object(workspace.createObject(body), false) }),
    },
    {
      method: 'GET', template: `${BASE}/object/{id}`, spec: assets('/object/{id}'), quota: 'getObject',
      handler: ({ params }) => ({ body: views.object(requireObject(params.id), true, true) }),
    },
    {
      method: 'PUT', template: `${BASE}/object/{id}`, spec: assets('/object/{id}'),
      handler: ({ params, body }) => ({ body: views.object(workspace.updateObject(params.id, body), true, true) }),
    },
    {
      method: 'DELETE', template: `${BASE}/object/{id}`, spec: assets('/object/{id}'),
      handler: ({ params }) => {
        workspace.deleteObject(params.id);
        return { status: 204 };
      },
    },
    {
      method: 'POST', template: `${BASE}/object/aql/totalcount`, spec: assets('/object/aql/totalcount'), quota: 'aqlTotalCount',
      handler: ({ body }) => {
        if (!body || typeof body.qlQuery !== 'string') {
          throw new HttpError(400, 'qlQuery is required', { body: { errorMessages: [], errors: { qlQuery: 'qlQuery is required' } } });
        }
        return { body: { totalCount: workspace.search(body.qlQuery).length } };
      },
    },
    {
      method: 'POST', template: `${BASE}/object/aql`, spec: assets('/object/aql'), quota: 'aql',
      handler: ({ query, body }) => {
        const startAt = intParam(query, 'startAt', 0, { min: 0 });
        const maxResults = intParam(query, 'maxResults', 25, { min: 1 });
        const includeAttributes = boolParam(query, 'includeAttributes', true);
        if (!body || typeof body.qlQuery !== 'string') {
          throw new HttpError(400, 'qlQuery is required', { body: { errorMessages: [], errors: { qlQuery: 'qlQuery is required' } } });
        }
        const found = workspace.search(body.qlQuery);
        const page = found.slice(startAt, startAt + maxResults);
        const typeIds = [...new Set(page.map((o) => o.objectTypeId))];
        const isLast = startAt + page.length >= found.length;
        return {
          body: {
            startAt, maxResults, total: found.length,
            values: page.map((o) => views.object(o, includeAttributes)),
            objectTypeAttributes: includeAttributes ? typeIds.flatMap((id) => workspace.attributesOf(id).map(views.attribute)) : [],
            last: isLast, isLast,
          },
        };
      },
    },
  ];
  for (const route of routes) {
    if (route.template.startsWith(BASE)) {
      const inner = route.handler;
      route.handler = (ctx) => {
        if (ctx.params.workspaceId !== workspaceId) throw new HttpError(404, `workspace ${ctx.params.workspaceId} does not exist`);
        return inner(ctx);
      };
    }
  }

  let emulator;
  routes.push(
    {
      method: 'GET', template: '/__control/state', control: true,
      handler: () => ({ body: { workspaceId, objects: [...workspace.objects.values()].map((o) => views.object(o, true)) } }),
    },
    faultControlRoute(() => emulator),
  );

  const expectedBasic = auth ? `Basic ${Buffer.from(`${auth.email}:${auth.apiToken}`).toString('base64')}` : null;
  emulator = await startServer({
    port,
    host,
    routes,
    errorBody: assetsError,
    validate,
    validator: validate ? await createValidator(['assets', 'jira-platform']) : null,
    faults,
    latencyMs,
    authenticate: (ctx) => {
      const header = ctx.headers.authorization;
      const asUser = ctx.headers['x-emulator-account-id'];
      if (header === undefined && (allowAppCalls || !auth)) {
        ctx.caller = { app: true, accountId: asUser };
        return;
      }
      if (auth && header !== expectedBasic) throw new HttpError(401, 'Client must be authenticated to access this resource.');
      ctx.caller = { app: false, email: auth?.email, accountId: asUser };
    },
    beforeHandle: (route, ctx) => {
      if (route.quota) quotaBook.take(route.quota, ctx.caller.email ?? 'app', assetsError);
    },
  });
  return {
    url: emulator.url,
    port: emulator.port,
    workspaceId,
    /** Base URL for direct (Basic auth) calls: `${assetsBase}/object/aql`. */
    assetsBase: `${emulator.url}/jsm/assets/workspace/${workspaceId}/v1`,
    state: workspace,
    quotas: quotaBook,
    routes: emulator.routes,
    /** Answers a request in memory (see startServer). */
    dispatch: emulator.dispatch,
    requests: emulator.requests,
    violations: emulator.violations,
    faults: emulator.faults,
    close: emulator.close,
  };
}

/** Response representations, shaped like the spec's examples. */
function makeViews(ws) {
  const id = ws.workspaceId;
  const base = `https://api.atlassian.com/jsm/assets/workspace/${id}/v1`;
  const objectType = (type, withCount = false) => ({
    workspaceId: id, globalId: `${id}:${type.id}`, id: type.id, name: type.name, description: type.description,
    icon: { id: type.iconId, name: 'Icon', url16: `${base}/objecttype/${type.id}/icon.png?size=16`, url48: `${base}/objecttype/${type.id}/icon.png?size=48` },
    position: type.position, created: type.created, updated: type.updated,
    objectCount: withCount ? [...ws.objects.values()].filter((o) => o.objectTypeId === type.id).length : 0,
    objectSchemaId: type.objectSchemaId, inherited: type.inherited, abstractObjectType: type.abstractObjectType,
    parentObjectTypeInherited: false,
    ...(type.parentObjectTypeId ? { parentObjectTypeId: type.parentObjectTypeId } : {}),
  });
  const attribute = (a) => {
    const view = {
      workspaceId: id, globalId: `${id}:${a.id}`, id: a.id, objectType: objectType(ws.objectTypes.get(a.objectTypeId)),
      name: a.name, label: a.label, type: a.type, description: a.description,
      editable: a.editable, system: a.system, sortable: true, summable: a.summable, indexed: true,
      minimumCardinality: a.minimumCardinality, maximumCardinality: a.maximumCardinality, suffix: a.suffix,
      removable: !a.system && !a.label, hidden: a.hidden, includeChildObjectTypes: a.includeChildObjectTypes,
      uniqueAttribute: a.uniqueAttribute, regexValidation: a.regexValidation, options: a.options, position: a.position,
    };
    if (a.type === 0) view.defaultType = { id: a.defaultTypeId, name: DEFAULT_TYPES[a.defaultTypeId] };
    if (a.type === 1) {
      const referenceType = ws.referenceTypes.get(a.additionalValue);
      view.typeValue = a.typeValue;
      view.additionalValue = a.additionalValue;
      view.referenceType = referenceType ? { workspaceId: id, globalId: referenceType.globalId, id: referenceType.id, name: referenceType.name } : undefined;
      view.referenceObjectTypeId = a.typeValue;
      view.referenceObjectType = objectType(ws.objectTypes.get(a.typeValue));
    }
    if (a.type === 7) view.typeValueMulti = a.typeValueMulti;
    return view;
  };
  const referenced = (target) => ({
    workspaceId: id, globalId: `${id}:${target.id}`, id: target.id, label: ws.labelOf(target), objectKey: target.objectKey,
    objectType: objectType(ws.objectTypes.get(target.objectTypeId)), created: target.created, updated: target.updated,
    hasAvatar: false, timestamp: Date.parse(target.updated), _links: { self: `${base}/object/${target.id}` },
  });
  const jiraUser = (u) => ({
    self: `https://${ws.site}.atlassian.net/rest/api/3/user?accountId=${encodeURIComponent(u.accountId)}`,
    accountId: u.accountId, accountType: 'atlassian', displayName: u.displayName,
    ...(u.hideEmail ? {} : { emailAddress: u.emailAddress }),
    active: u.active ?? true, timeZone: 'UTC', avatarUrls: {},
  });
  const value = (a, stored) => {
    switch (a.type) {
      case 1: {
        const target = ws.objects.get(stored);
        return { referencedObject: target ? referenced(target) : null, displayValue: target ? ws.labelOf(target) : '', searchValue: target?.objectKey ?? '', referencedType: true };
      }
      case 7: {
        const status = ws.statuses.get(stored);
        return { status: { id: status.id, name: status.name, category: status.category }, displayValue: status.name, searchValue: status.id, referencedType: false };
      }
      case 2: {
        const user = ws.jiraUsers.find((u) => u.accountId === stored);
        return {
          user: { displayName: user?.displayName ?? stored, name: user?.displayName ?? stored, key: stored, ...(user && !user.hideEmail ? { emailAddress: user.emailAddress } : {}), isDeleted: !user },
          displayValue: user?.displayName ?? stored, searchValue: stored, referencedType: false,
        };
      }
      case 4:
        return { group: { name: stored }, displayValue: stored, searchValue: stored, referencedType: false };
      default:
        return { value: stored, displayValue: stored, searchValue: stored, referencedType: false };
    }
  };
  /** GET / PUT object embed each attribute's definition (without its objectType); AQL rows do not. */
  const object = (o, withAttributes, embedDefinitions = false) => {
    const view = {
      workspaceId: id, globalId: `${id}:${o.id}`, id: o.id, label: ws.labelOf(o), objectKey: o.objectKey,
      avatar: { workspaceId: id, objectId: o.id },
      objectType: objectType(ws.objectTypes.get(o.objectTypeId)), created: o.created, updated: o.updated,
      hasAvatar: false, timestamp: Date.parse(o.updated), name: ws.labelOf(o),
    };
    if (withAttributes) {
      view.attributes = ws.attributesOf(o.objectTypeId).flatMap((a) => {
        const system = { Key: o.objectKey, Created: o.created, Updated: o.updated };
        const stored = a.system ? (system[a.name] !== undefined ? [system[a.name]] : []) : (o.values.get(a.id) ?? []);
        if (stored.length === 0) return [];
        const { objectType: _type, ...definition } = attribute(a);
        return [{
          workspaceId: id, globalId: `${id}:${o.id}:${a.id}`, id: `${o.id}${a.id}`,
          ...(embedDefinitions ? { objectTypeAttribute: definition } : {}),
          objectTypeAttributeId: a.id, objectAttributeValues: stored.map((s) => value(a, s)), objectId: o.id,
        }];
      });
    }
    view._links = { self: `${base}/object/${o.id}` };
    return view;
  };
  const schema = (s, withCounts) => {
    const types = [...ws.objectTypes.values()].filter((t) => t.objectSchemaId === s.id);
    return {
      workspaceId: id, globalId: `${id}:${s.id}`, id: s.id, name: s.name, objectSchemaKey: s.objectSchemaKey,
      description: s.description, status: s.status, created: s.created, updated: s.updated,
      objectCount: withCounts ? [...ws.objects.values()].filter((o) => types.some((t) => t.id === o.objectTypeId)).length : 0,
      objectTypeCount: types.length, canManage: true,
    };
  };
  const status = (st) => ({ id: st.id, name: st.name, description: st.description, category: st.category, objectSchemaId: st.objectSchemaId ?? null });
  const icon = (iconId, name) => ({ id: iconId, name, url16: `${base}/icon/${iconId}/icon.png?size=16`, url48: `${base}/icon/${iconId}/icon.png?size=48` });
  return { objectType, attribute, object, schema, jiraUser, status, icon };
}

/**
 * The demo schema "People" (key PPL): User, Department, Group and Device object types with
 * the attributes a JumpCloud sync maps onto.
 */
export function installDemoSchema(ws) {
  const schema = ws.createSchema({ name: 'People', objectSchemaKey: 'PPL', description: 'Directory data synced from JumpCloud' });
  const type = (name, description) => ws.createObjectType({ name, description, iconId: '1', objectSchemaId: schema.id });
  const department = type('Department', 'Departments');
  const group = type('Group', 'JumpCloud user groups');
  const user = type('User', 'People in the directory');
  const device = type('Device', 'Laptops and desktops');
  const link = ws.referenceTypeByName('Reference').id;
  const owned = ws.referenceTypeByName('Owned by').id;
  const text = (t, name, extra = {}) => ws.createAttribute(t.id, { name, type: 0, defaultTypeId: 0, ...extra });
  text(department, 'Cost Center');
  text(group, 'JumpCloud ID', { uniqueAttribute: true });
  text(group, 'Description');
  text(user, 'JumpCloud ID', { uniqueAttribute: true });
  text(user, 'First Name');
  text(user, 'Last Name');
  ws.createAttribute(user.id, { name: 'Email', type: 0, defaultTypeId: 8 });
  text(user, 'User Name');
  text(user, 'Job Title');
  ws.createAttribute(user.id, { name: 'Department', type: 1, typeValue: department.id, additionalValue: link });
  ws.createAttribute(user.id, { name: 'Manager', type: 1, typeValue: user.id, additionalValue: link });
  ws.createAttribute(user.id, { name: 'Status', type: 7, typeValueMulti: [ws.statusByName('Active').id, ws.statusByName('Inactive').id] });
  ws.createAttribute(user.id, { name: 'Start Date', type: 0, defaultTypeId: 4 });
  ws.createAttribute(user.id, { name: 'Jira User', type: 2 });
  ws.createAttribute(user.id, { name: 'Groups', type: 1, typeValue: group.id, additionalValue: link, maximumCardinality: -1 });
  text(user, 'Location');
  ws.createAttribute(user.id, { name: 'Employment Type', type: 0, defaultTypeId: 10, options: 'Full-time,Contractor' });
  text(device, 'JumpCloud ID', { uniqueAttribute: true });
  text(device, 'Hostname');
  text(device, 'Serial Number');
  text(device, 'Operating System');
  ws.createAttribute(device.id, { name: 'Owner', type: 1, typeValue: user.id, additionalValue: owned });
  ws.createAttribute(device.id, { name: 'Last Contact', type: 0, defaultTypeId: 6 });
  ws.createAttribute(device.id, { name: 'Active', type: 0, defaultTypeId: 2 });
  ws.createAttribute(device.id, { name: 'IP Address', type: 0, defaultTypeId: 11 });
  ws.createAttribute(device.id, { name: 'Memory (GB)', type: 0, defaultTypeId: 3 });
  return { schema, types: { department, group, user, device } };
}
