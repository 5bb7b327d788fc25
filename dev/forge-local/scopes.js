// Which OAuth scopes a product route needs, so requestJira can refuse like Forge does when the
// manifest's permissions.scopes lacks them. Assets routes come straight from the vendor spec's
// security section (specs/assets/...json); Jira routes are listed by hand from the Jira REST
// docs, with a note where the docs were not checked word for word.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ASSETS_SPEC = fileURLToPath(new URL('../../specs/assets/assets-api.swagger.v3.1.135.77.json', import.meta.url));
const ASSETS_PREFIX = /^\/jsm\/assets\/workspace\/[^/]+\/v1(\/.*)$/;

/**
 * Jira / JSM routes the app uses. Each entry: method, path pattern, and the alternative groups
 * of scopes that grant it (any one complete group is enough, as in Jira's error message).
 */
const JIRA_ROUTES = [
  // JSM "Get assets workspaces" says "Permissions required: Any"; its scope is read:servicedesk-request
  // per third-party code (unconfirmed in Atlassian docs, see research/forge.md).
  { method: 'GET', path: '/rest/servicedeskapi/assets/workspace', groups: [['read:servicedesk-request']] },
  // Find users: classic read:jira-user; granular read:user:jira.
  { method: 'GET', path: '/rest/api/3/user/search', groups: [['read:jira-user'], ['read:user:jira']] },
  { method: 'GET', path: '/rest/api/3/user', groups: [['read:jira-user'], ['read:user:jira']] },
  // Get current user: groups as quoted in Jira's own 403 message.
  {
    method: 'GET',
    path: '/rest/api/3/myself',
    groups: [['read:jira-user'], ['read:application-role:jira', 'read:group:jira', 'read:user:jira', 'read:avatar:jira']],
  },
  // Get bulk permissions: classic read:jira-work; granular read:permission:jira (from the Jira
  // platform OpenAPI as remembered; verify against the live docs before relying on it).
  { method: 'POST', path: '/rest/api/3/permissions/check', groups: [['read:jira-work'], ['read:permission:jira']] },
  { method: 'GET', path: '/rest/api/3/mypermissions', groups: [['read:jira-work'], ['read:permission:jira']] },
  { method: 'GET', path: '/rest/api/3/serverInfo', groups: [['read:jira-user'], ['read:jira-work']] },
];

function templateToRegex(template) {
  const escaped = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${escaped}$`);
}

let assetsRoutes;
function loadAssetsRoutes() {
  if (assetsRoutes) return assetsRoutes;
  const spec = JSON.parse(readFileSync(ASSETS_SPEC, 'utf8'));
  assetsRoutes = [];
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!['get', 'post', 'put', 'delete', 'patch'].includes(method)) continue;
      const oauth = (op.security ?? []).filter((s) => s.oAuthDefinitions).map((s) => s.oAuthDefinitions);
      // Literal segments must win over templated ones (e.g. objecttype/create vs objecttype/{id}).
      const literalWeight = path.split('/').filter((s) => s && !s.startsWith('{')).length;
      assetsRoutes.push({ method: method.toUpperCase(), path, regex: templateToRegex(path), groups: oauth, literalWeight });
    }
  }
  assetsRoutes.sort((a, b) => b.literalWeight - a.literalWeight);
  return assetsRoutes;
}

const jiraRoutes = JIRA_ROUTES.map((r) => ({ ...r, regex: templateToRegex(r.path) }));

/**
 * @param {string} method
 * @param {string} pathWithQuery a product path such as /jsm/assets/workspace/ws/v1/object/aql?startAt=0
 * @returns {{known: boolean, route?: string, groups: string[][]}} groups empty = route takes no OAuth scope
 */
export function requiredScopes(method, pathWithQuery) {
  const path = pathWithQuery.split('?')[0];
  const m = method.toUpperCase();
  const assets = ASSETS_PREFIX.exec(path);
  const table = assets ? loadAssetsRoutes() : jiraRoutes;
  const rel = assets ? assets[1] : path;
  const route = table.find((r) => r.method === m && r.regex.test(rel));
  if (!route) return { known: false, groups: [] };
  return { known: true, route: `${m} ${assets ? '/jsm/assets/workspace/{workspaceId}/v1' : ''}${route.path}`, groups: route.groups };
}

/**
 * Decides whether the granted scopes cover a request; returns the Jira-style refusal text or null.
 * @param {string[]} granted
 */
export function scopeRefusal(method, pathWithQuery, granted) {
  const need = requiredScopes(method, pathWithQuery);
  if (!need.known) return null;
  if (need.groups.length === 0) {
    return `${need.route} cannot be called with OAuth scopes (the vendor spec allows only Connect JWT for it).`;
  }
  if (need.groups.some((group) => group.every((s) => granted.includes(s)))) return null;
  return (
    `Access to the resource was denied due to missing scope grants. Your app was granted the following scopes: [${granted.join(', ')}].\n` +
    'The resource can be accessed by having one of these groups of scopes:\n' +
    need.groups.map((g) => ` * [${g.join(', ')}]\n`).join('') +
    `(local Forge runtime: ${need.route}; add the scope to permissions.scopes in manifest.yml)`
  );
}
