// JumpCloud v1 / v2 API emulator (127.0.0.1 only), backed by a deterministic Tenant.
//
// Behaviour follows specs/jumpcloud: x-api-key auth; x-org-id for multi-tenant keys;
// limit (default 10, "Limited to 100"; System Insights up to 10000), skip, sort, fields;
// v1 filters `field:$op:value` (filter / filter[n] AND, filter[or][n] OR); v2 filters
// `field:op:value` (repeats AND); v1 `{totalCount, results}`; v2 bare arrays + x-total-count.
// Control API (not part of JumpCloud): POST /__control/<operation>, GET /__control/state,
// POST /__control/faults.
import { HttpError, faultControlRoute, parseInteger, startServer } from './http.js';
import {
  parseSearchFilter,
  parseSearchTerm,
  parseV1Filters,
  parseV2Filters,
  projectFields,
  sortRecords,
  splitList,
} from './jumpcloud-query.js';
import { createValidator } from './spec.js';
import { createTenant, runControl, Tenant, traversal } from './tenant.js';

const OBJECT_ID = /^[0-9a-f]{24}$/;
const REASON = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 413: 'Payload Too Large', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };

/** The documented `Error` shape `{code, message, status}`; 401s also carry `error`, as seen live. */
function jumpCloudError(status, message) {
  const body = { code: status, message, status: REASON[status] ?? 'Error' };
  if (status === 401) body.error = 'Unauthorized';
  return body;
}

/**
 * Starts the JumpCloud emulator.
 *
 * @param {object} options
 * @param {string} options.apiKey the only accepted x-api-key (never logged).
 * @param {Tenant|object} [options.tenant] a Tenant, or options for createTenant().
 * @param {string} [options.orgId] makes the key a multi-tenant (MTP) admin key for this org:
 *   x-org-id is then required. Without it the key is single-tenant and x-org-id is optional.
 * @param {'reject'|'cap'} [options.limitPolicy='reject'] what a limit above the documented
 *   maximum gets: a 400, or silently the maximum.
 * @param {object} [options.faults] fault plan (see faults.js).
 * @param {number} [options.latencyMs=0] network latency added to every request (see http.js).
 * @param {boolean|'strict'} [options.validate=true] record spec violations; 'strict' also 400s.
 */
export async function startJumpCloudEmulator({
  port = 0,
  host = '127.0.0.1',
  tenant,
  apiKey,
  orgId,
  faults,
  validate = true,
  limitPolicy = 'reject',
  latencyMs = 0,
} = {}) {
  if (!apiKey) throw new Error('startJumpCloudEmulator: apiKey is required');
  const directory = tenant instanceof Tenant ? tenant : createTenant({ ...(tenant ?? {}), orgId: orgId ?? tenant?.orgId });
  const multiTenant = orgId !== undefined;
  if (multiTenant && directory.orgId !== orgId) throw new Error('orgId does not match the tenant\'s orgId');

  // Search routes take limit / skip in the body or the query; the body wins.
  const limitOf = (query, body, max) => {
    const limit = parseInteger(body?.limit ?? query.get('limit'), 'limit', 10, { min: 0 });
    if (limit > max) {
      if (limitPolicy === 'cap') return max;
      throw new HttpError(400, `limit must be less than or equal to ${max}, got ${limit}`);
    }
    return limit;
  };
  const skipOf = (query, body) => parseInteger(body?.skip ?? query.get('skip'), 'skip', 0, { min: 0 });

  /** v1 list answer: filter, sort (space separated), page, project (`_id` always kept). */
  const v1List = (records, { query, body }, filter, extra = (r) => r) => {
    if (query.has('search')) {
      // Declared by the spec but its query-string encoding is not documented: refuse rather than guess.
      throw new HttpError(400, 'the search query parameter is not supported by the emulator; use POST /api/search/* with searchFilter');
    }
    const limit = limitOf(query, body, 100);
    const skip = skipOf(query, body);
    const matched = sortRecords(records.filter(filter), query.get('sort'), ' ');
    const fields = splitList(body?.fields ?? query.get('fields'), ' ');
    const results = matched.slice(skip, skip + limit).map((r) => projectFields(extra(structuredClone(r)), fields, '_id'));
    return { body: { totalCount: matched.length, results } };
  };

  /** v2 list answer: bare array, total in x-total-count; sort and fields are comma separated. */
  const v2List = (records, { query }, { allowedFields, operators, max = 100, projectable = true } = {}) => {
    const limit = limitOf(query, null, max);
    const skip = skipOf(query, null);
    const filter = parseV2Filters(query, { allowedFields, operators });
    const matched = sortRecords(records.filter(filter), (query.getAll('sort') ?? []).join(','), ',');
    const fields = projectable ? splitList(query.getAll('fields').join(','), ',') : [];
    const page = matched.slice(skip, skip + limit).map((r) => projectFields(structuredClone(r), fields, 'id'));
    return { body: page, headers: { 'x-total-count': String(matched.length) } };
  };

  const needId = (value, what) => {
    if (!OBJECT_ID.test(value)) throw new HttpError(400, `invalid ${what} id "${value}": not a 24-character hex ObjectId`);
    return value;
  };
  const groupView = ({ members, ...group }) => group;
  const edge = (id, type) => ({ attributes: null, to: { attributes: null, id, type } });
  const userGroupsOf = (userId) => directory.userGroups.filter((g) => g.members.includes(userId));
  const systemGroupsOf = (systemId) => directory.systemGroups.filter((g) => g.members.includes(systemId));
  const findApplication = (id) => {
    const app = directory.applications.find((a) => a._id === needId(id, 'application'));
    if (!app) throw new HttpError(404, `application ${id} not found`);
    return app;
  };
  const findGroup = (list, id, what) => {
    const group = list.find((g) => g.id === needId(id, what));
    if (!group) throw new HttpError(404, `${what} ${id} not found`);
    return group;
  };

  /** Users bound to a system, directly or through user group <-> system group bindings. */
  const usersOfSystem = (systemId) => {
    const users = traversal('user');
    const add = (userId, path) => users.add(userId, path);
    for (const binding of directory.userSystemBindings) {
      const [userId, boundSystem] = binding.split(' ');
      if (boundSystem === systemId) add(userId, [edge(userId, 'user')]);
    }
    for (const systemGroup of systemGroupsOf(systemId)) {
      for (const binding of directory.groupBindings) {
        const [userGroupId, systemGroupId] = binding.split(' ');
        if (systemGroupId !== systemGroup.id) continue;
        const userGroup = directory.group(userGroupId);
        for (const userId of userGroup?.members ?? []) {
          add(userId, [edge(systemGroup.id, 'system_group'), edge(userGroupId, 'user_group'), edge(userId, 'user')]);
        }
      }
    }
    return users.rows();
  };

  const v1 = (path) => ({ api: 'jumpcloud-v1', path });
  const v2 = (path) => ({ api: 'jumpcloud-v2', path });
  const routes = [
    {
      method: 'GET', template: '/api/systemusers', spec: v1('/systemusers'),
      handler: (ctx) => v1List(directory.users, ctx, parseV1Filters(ctx.query)),
    },
    {
      method: 'GET', template: '/api/systemusers/{id}', spec: v1('/systemusers/{id}'),
      handler: ({ params, query }) => {
        const user = directory.user(needId(params.id, 'systemuser'));
        if (!user || !parseV1Filters(query)(user)) throw new HttpError(404, `systemuser ${params.id} not found`);
        return { body: projectFields(structuredClone(user), splitList(query.get('fields'), ' '), '_id') };
      },
    },
    {
      method: 'GET', template: '/api/systems', spec: v1('/systems'),
      handler: (ctx) => v1List(directory.systems, ctx, parseV1Filters(ctx.query)),
    },
    {
      method: 'GET', template: '/api/systems/{id}', spec: v1('/systems/{id}'),
      handler: ({ params, query }) => {
        const system = directory.system(needId(params.id, 'system'));
        if (!system || !parseV1Filters(query)(system)) throw new HttpError(404, `system ${params.id} not found`);
        return { body: projectFields(structuredClone(system), splitList(query.get('fields'), ' '), '_id') };
      },
    },
    {
      method: 'POST', template: '/api/search/systemusers', spec: v1('/search/systemusers'),
      handler: (ctx) => {
        const body = searchBody(ctx.body);
        const filter = combine(parseSearchFilter(body.filter), parseSearchTerm(body.searchFilter), parseV1Filters(ctx.query));
        return v1List(directory.users, { ...ctx, body }, filter, (u) => ({ ...u, memberof: userGroupsOf(u._id).map((g) => g.id) }));
      },
    },
    {
      method: 'POST', template: '/api/search/systems', spec: v1('/search/systems'),
      handler: (ctx) => {
        const body = searchBody(ctx.body);
        const filter = combine(parseSearchFilter(body.filter), parseSearchTerm(body.searchFilter), parseV1Filters(ctx.query));
        return v1List(directory.systems, { ...ctx, body }, filter, (s) => ({ ...s, memberof: systemGroupsOf(s._id).map((g) => g.id) }));
      },
    },
    {
      method: 'GET', template: '/api/applications', spec: v1('/applications'),
      handler: (ctx) => {
        // The spec gives this endpoint a default sort of "name" and a `name` field in the list.
        const query = new URLSearchParams(ctx.query);
        if (!query.get('sort')) query.set('sort', 'name');
        const answer = v1List(directory.applications, { ...ctx, query }, parseV1Filters(ctx.query));
        answer.body = { name: 'applications', ...answer.body };
        return answer;
      },
    },
    {
      method: 'GET', template: '/api/v2/usergroups', spec: v2('/usergroups'),
      handler: (ctx) => v2List(directory.userGroups.map(groupView), ctx),
    },
    {
      method: 'GET', template: '/api/v2/usergroups/{group_id}', spec: v2('/usergroups/{id}'),
      handler: ({ params }) => ({ body: groupView(findGroup(directory.userGroups, params.group_id, 'user group')) }),
    },
    {
      method: 'GET', template: '/api/v2/systemgroups', spec: v2('/systemgroups'),
      handler: (ctx) => v2List(directory.systemGroups.map(groupView), ctx),
    },
    {
      method: 'GET', template: '/api/v2/systemgroups/{group_id}', spec: v2('/systemgroups/{id}'),
      handler: ({ params }) => ({ body: groupView(findGroup(directory.systemGroups, params.group_id, 'system group')) }),
    },
    {
      method: 'GET', template: '/api/v2/usergroups/{group_id}/members', spec: v2('/usergroups/{group_id}/members'),
      handler: (ctx) => {
        const group = findGroup(directory.userGroups, ctx.params.group_id, 'user group');
        return v2List(group.members.map((id) => edge(id, 'user')), ctx, { operators: new Set(), projectable: false });
      },
    },
    {
      method: 'GET', template: '/api/v2/systemgroups/{group_id}/members', spec: v2('/systemgroups/{group_id}/members'),
      handler: (ctx) => {
        const group = findGroup(directory.systemGroups, ctx.params.group_id, 'system group');
        return v2List(group.members.map((id) => edge(id, 'system')), ctx, { operators: new Set(), projectable: false });
      },
    },
    {
      method: 'GET', template: '/api/v2/usergroups/{group_id}/membership', spec: v2('/usergroups/{group_id}/membership'),
      handler: (ctx) => {
        const group = findGroup(directory.userGroups, ctx.params.group_id, 'user group');
        const rows = group.members.map((id) => ({ id, object_id: id, type: 'user', paths: [[edge(id, 'user')]], compiledAttributes: null }));
        return stripObjectId(v2List(rows, ctx, { allowedFields: ['object_id', 'type'], projectable: false }));
      },
    },
    {
      method: 'GET', template: '/api/v2/users/{user_id}/memberof', spec: v2('/users/{user_id}/memberof'),
      handler: (ctx) => {
        const userId = needId(ctx.params.user_id, 'user');
        if (!directory.user(userId)) throw new HttpError(404, `user ${userId} not found`);
        const rows = userGroupsOf(userId).map((g) => ({ id: g.id, object_id: g.id, type: 'user_group', paths: [[edge(g.id, 'user_group')]], compiledAttributes: null }));
        return stripObjectId(v2List(rows, ctx, { allowedFields: ['object_id', 'type'], projectable: false }));
      },
    },
    {
      method: 'GET', template: '/api/v2/systems/{system_id}/users', spec: v2('/systems/{system_id}/users'),
      handler: (ctx) => {
        const systemId = needId(ctx.params.system_id, 'system');
        if (!directory.system(systemId)) throw new HttpError(404, `system ${systemId} not found`);
        return v2List(usersOfSystem(systemId), ctx, { projectable: false });
      },
    },
    {
      method: 'GET', template: '/api/v2/applications/{application_id}/users', spec: v2('/applications/{application_id}/users'),
      handler: (ctx) => v2List(directory.usersOfApplication(findApplication(ctx.params.application_id)._id, edge), ctx, { projectable: false }),
    },
    {
      method: 'GET', template: '/api/v2/applications/{application_id}/usergroups', spec: v2('/applications/{application_id}/usergroups'),
      handler: (ctx) => {
        const app = findApplication(ctx.params.application_id);
        const rows = directory.userGroupsOfApplication(app._id)
          .map((g) => ({ id: g.id, type: 'user_group', paths: [[edge(g.id, 'user_group')]], compiledAttributes: null }));
        return v2List(rows, ctx, { projectable: false });
      },
    },
    // System Insights tables: rows beside the systems; `eq` and `in` filters (uptime also
    // `gte`), up to 10000 a page, no `fields`.
    ...[
      ['system_info', () => directory.systems.map((s) => s.insights).filter(Boolean)],
      ['os_version', () => directory.systems.map((s) => s.osVersion).filter(Boolean)],
      ...['apps', 'programs', 'disk_encryption', 'bitlocker_info', 'uptime', 'battery'].map((t) => [t, () => directory.insightsRows(t)]),
    ].map(([table, rows]) => ({
      method: 'GET', template: `/api/v2/systeminsights/${table}`, spec: v2(`/systeminsights/${table}`),
      handler: (ctx) => v2List(rows(), ctx, {
        operators: new Set(table === 'uptime' ? ['eq', 'gte', 'in'] : ['eq', 'in']), max: 10_000, projectable: false,
      }),
    })),
  ];

  const control = makeControl(directory);
  let emulator;
  routes.push(
    { method: 'GET', template: '/__control/state', control: true, handler: () => ({ body: directory.snapshot() }) },
    faultControlRoute(() => emulator),
    {
      method: 'POST', template: '/__control/{operation}', control: true,
      handler: ({ params, body }) => {
        try {
          return { body: runControl(directory, params.operation, body ?? {}) };
        } catch (error) {
          throw new HttpError(400, error.message);
        }
      },
    },
  );

  emulator = await startServer({
    port,
    host,
    routes,
    errorBody: jumpCloudError,
    validate,
    validator: validate ? await createValidator(['jumpcloud-v1', 'jumpcloud-v2']) : null,
    faults,
    latencyMs,
    authenticate: ({ headers }) => {
      if (headers['x-api-key'] !== apiKey) throw new HttpError(401, 'Unauthorized: api key user not found');
      const requested = headers['x-org-id'];
      if (requested === undefined || requested === '') {
        if (multiTenant) throw new HttpError(401, 'Unauthorized: no organization selected');
        return;
      }
      if (!OBJECT_ID.test(requested)) throw new HttpError(400, 'Malformed ID');
      if (requested !== directory.orgId) throw new HttpError(404, 'Organization ID Not Found');
    },
  });
  return {
    url: emulator.url,
    port: emulator.port,
    tenant: directory,
    control,
    routes: emulator.routes,
    /** Answers a request in memory (see startServer). */
    dispatch: emulator.dispatch,
    requests: emulator.requests,
    violations: emulator.violations,
    faults: emulator.faults,
    close: emulator.close,
  };
}

function combine(...tests) {
  return (record) => tests.every((t) => t(record));
}

function searchBody(body) {
  if (body === undefined) return {};
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'search body must be a JSON object');
  return body;
}

/** `object_id` is only a filter alias for `id`; the documented rows do not carry it. */
function stripObjectId(answer) {
  answer.body = answer.body.map(({ object_id: _alias, ...row }) => row);
  return answer;
}

/** JS form of the control API: the same operations as POST /__control/<operation>. */
function makeControl(tenant) {
  return {
    rename: (userId, fields) => tenant.rename(userId, fields),
    promote: (userId, change) => tenant.promote(userId, change),
    leave: (userId, options) => tenant.leave(userId, options),
    hire: (fields) => tenant.hire(fields),
    handOver: (systemId, userId) => tenant.handOver(systemId, userId),
    addToGroup: (groupId, memberId) => tenant.addToGroup(groupId, memberId),
    removeFromGroup: (groupId, memberId) => tenant.removeFromGroup(groupId, memberId),
    update: (kind, id, patch) => tenant.update(kind, id, patch),
    snapshot: () => tenant.snapshot(),
  };
}
