import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { requiredScopes } from '../../dev/forge-local/index.js';
import { ADMIN, fixtureRuntime } from './helpers.js';
import { startStub } from './stub-server.js';

let jira;
before(async () => {
  jira = await startStub((req) => {
    if (req.url.startsWith('/redirect')) return { status: 302, headers: { location: '/elsewhere' }, body: '' };
    return { body: { method: req.method, url: req.url, body: req.body } };
  });
});
after(() => jira.close());

const callJira = (runtime, payload, accountId) => runtime.invokeResolver(ADMIN, 'jira', payload, { accountId });

test('requestJira as the app goes to jiraBaseUrl with the path, query, method and body unchanged', async () => {
  const runtime = await fixtureRuntime({ jiraBaseUrl: jira.url });
  const path = '/jsm/assets/workspace/ws-1/v1/object/aql?startAt=0&maxResults=25';
  const result = await callJira(runtime, {
    path,
    method: 'POST',
    body: { qlQuery: 'objectType = "User"' },
    headers: { authorization: 'Basic bm90LWZvcndhcmRlZA==', accept: 'application/json' },
  });
  assert.equal(result.status, 200);
  assert.deepEqual(JSON.parse(result.body), { method: 'POST', url: path, body: '{"qlQuery":"objectType = \\"User\\""}' });
  const sent = jira.requests.at(-1);
  // The app's own Authorization never reaches the product; no header = the app (emulator convention).
  assert.equal(sent.headers.authorization, undefined);
  assert.equal(sent.headers['x-emulator-account-id'], undefined);
  assert.equal(sent.headers.accept, 'application/json');
  assert.equal(sent.headers['content-type'], 'application/json');
  assert.deepEqual(runtime.requests.at(-1), {
    invocationId: runtime.invocations.at(-1).id,
    kind: 'product',
    method: 'POST',
    url: path,
    asUser: false,
    status: 200,
  });
});

test('requestJira as the user carries the calling account; productAuth can supply other credentials', async () => {
  const byDefault = await fixtureRuntime({ jiraBaseUrl: jira.url });
  await callJira(byDefault, { path: '/rest/api/3/myself', asUser: true }, 'acc-7');
  assert.equal(jira.requests.at(-1).headers['x-emulator-account-id'], 'acc-7');
  const runtime = await fixtureRuntime({
    jiraBaseUrl: jira.url,
    productAuth: ({ asUser, accountId }) => ({ 'x-stub-who': asUser ? accountId : 'app' }),
  });
  await callJira(runtime, { path: '/rest/api/3/myself', asUser: true }, 'acc-42');
  assert.equal(jira.requests.at(-1).headers['x-stub-who'], 'acc-42');
});

test('a route whose scope the manifest lacks is refused with 403 and Jira\'s missing-scope message', async () => {
  const runtime = await fixtureRuntime({ jiraBaseUrl: jira.url });
  const before = jira.requests.length;
  const result = await callJira(runtime, { path: '/jsm/assets/workspace/ws-1/v1/object/7', method: 'PUT', body: {} });
  assert.equal(result.status, 403);
  const [message] = JSON.parse(result.body).errorMessages;
  assert.match(message, /Access to the resource was denied due to missing scope grants/);
  assert.match(message, /\* \[write:cmdb-object:jira\]/);
  assert.match(message, /PUT \/jsm\/assets\/workspace\/\{workspaceId\}\/v1\/object\/\{id\}/);
  // Jira: bulk permission check needs read:jira-work or read:permission:jira, which the fixture lacks.
  assert.equal((await callJira(runtime, { path: '/rest/api/3/permissions/check', method: 'POST', body: {} })).status, 403);
  assert.equal(jira.requests.length, before, 'refused requests never reach the product');
});

test('a Jira route with no scope entry is refused unless allowUnknownJiraRoutes is set', async () => {
  const strict = await fixtureRuntime({ jiraBaseUrl: jira.url });
  const refused = await callJira(strict, { path: '/rest/api/3/issue/ABC-1' });
  assert.equal(refused.status, 403);
  assert.match(JSON.parse(refused.body).errorMessages[0], /no scope entry for GET \/rest\/api\/3\/issue\/ABC-1/);
  const lenient = await fixtureRuntime({ jiraBaseUrl: jira.url, allowUnknownJiraRoutes: true });
  assert.equal((await callJira(lenient, { path: '/rest/api/3/issue/ABC-1' })).status, 200);
});

test('product redirects are handed to the app, not followed (Forge does not follow Assets 3xx)', async () => {
  const runtime = await fixtureRuntime({ jiraBaseUrl: jira.url, allowUnknownJiraRoutes: true });
  const result = await callJira(runtime, { path: '/redirect' });
  assert.equal(result.status, 302);
});

test('the Assets scope table comes from the vendor spec, literal routes before templated ones', () => {
  const base = '/jsm/assets/workspace/abc/v1';
  assert.deepEqual(requiredScopes('POST', `${base}/objecttype/create`).groups, [['write:cmdb-type:jira']]);
  assert.deepEqual(requiredScopes('GET', `${base}/objecttype/12/attributes`).groups, [['read:cmdb-attribute:jira']]);
  assert.deepEqual(requiredScopes('POST', `${base}/object/aql?startAt=0`).groups, [['read:cmdb-object:jira']]);
  assert.deepEqual(requiredScopes('DELETE', `${base}/object/5`).groups, [['delete:cmdb-object:jira']]);
  assert.deepEqual(requiredScopes('GET', `${base}/objectschema/list`).groups, [['read:cmdb-schema:jira']]);
  assert.deepEqual(requiredScopes('POST', `${base}/objecttypeattribute/3`).groups, [['write:cmdb-attribute:jira']]);
  assert.equal(requiredScopes('GET', `${base}/no/such/route`).known, false);
});
