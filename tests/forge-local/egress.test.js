import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { EgressPolicy } from '../../dev/forge-local/index.js';
import { ADMIN, fixtureRuntime, invocationError } from './helpers.js';
import { startStub } from './stub-server.js';

let jumpcloud;
let other;
before(async () => {
  jumpcloud = await startStub((req) => ({ body: { url: req.url, hasKey: Boolean(req.headers['x-api-key']) } }));
  other = await startStub(() => ({ body: { other: true } }));
});
after(async () => {
  await jumpcloud.close();
  await other.close();
});

const egressFor = () => ({
  'https://console.jumpcloud.com': jumpcloud.url,
  'https://api.allowed-example.com': other.url,
});

test('fetch to a declared host is routed to its local stand-in with path, query and headers', async () => {
  const runtime = await fixtureRuntime({ egress: egressFor() });
  await runtime.invokeResolver(ADMIN, 'secretSet', { key: 'jumpcloud-api-key', value: 'k-123' });
  const result = await runtime.invokeResolver(ADMIN, 'fetchJumpCloud', { path: '/api/systemusers?limit=100&sort=_id' });
  assert.equal(result.status, 200);
  assert.deepEqual(JSON.parse(result.body), { url: '/api/systemusers?limit=100&sort=_id', hasKey: true });
  assert.equal(jumpcloud.requests.at(-1).headers['x-api-key'], 'k-123');
  // The request log keeps neither headers nor query strings.
  assert.equal(runtime.requests.at(-1).url, 'https://console.jumpcloud.com/api/systemusers');
  assert.ok(!JSON.stringify(runtime.requests).includes('k-123'));
});

test('a "*.domain" entry covers subdomains only, and the global fetch is held to the same list', async () => {
  const runtime = await fixtureRuntime({ egress: egressFor() });
  const viaApi = await runtime.invokeResolver(ADMIN, 'fetchAny', { url: 'https://api.allowed-example.com/x' });
  assert.deepEqual(JSON.parse(viaApi.body), { other: true });
  const viaGlobal = await runtime.invokeResolver(ADMIN, 'fetchAny', { url: 'https://api.allowed-example.com/x', viaGlobal: true });
  assert.equal(viaGlobal.status, 200);
  const parent = await invocationError(runtime.invokeResolver(ADMIN, 'fetchAny', { url: 'https://allowed-example.com/x' }), 'FUNCTION_ERR');
  assert.equal(parent.cause.name, 'REQUEST_EGRESS_ALLOWLIST_ERR');
});

test('undeclared hosts, plain http and odd ports are refused the way Forge refuses them', async () => {
  const runtime = await fixtureRuntime({ egress: egressFor() });
  const cases = [
    'https://evil.example.com/steal',
    'http://console.jumpcloud.com/api/systemusers',
    'https://console.jumpcloud.com:9999/api/systemusers',
  ];
  for (const url of cases) {
    for (const viaGlobal of [false, true]) {
      const err = await invocationError(runtime.invokeResolver(ADMIN, 'fetchAny', { url, viaGlobal }), 'FUNCTION_ERR');
      assert.equal(err.cause.name, 'REQUEST_EGRESS_ALLOWLIST_ERR', url);
      assert.equal(err.cause.status, 403);
      assert.match(err.cause.message, /URL not included in the external fetch backend permissions/);
    }
  }
  assert.equal(runtime.requests.filter((r) => r.status === 'refused').length, cases.length * 2);
});

test('a declared host without a local stand-in fails clearly instead of reaching the internet', async () => {
  const runtime = await fixtureRuntime({ egress: { 'https://console.jumpcloud.com': jumpcloud.url } });
  const err = await invocationError(runtime.invokeResolver(ADMIN, 'fetchAny', { url: 'https://eu.allowed-example.com/' }), 'FUNCTION_ERR');
  assert.match(err.cause.message, /allowed by manifest.yml but has no local stand-in/);
});

test('egress targets must be on 127.0.0.1; fetch outside invocations is untouched', async () => {
  await assert.rejects(fixtureRuntime({ egress: { 'https://console.jumpcloud.com': 'http://10.0.0.1:80' } }), /must be on 127.0.0.1/);
  const response = await fetch(`${other.url}/plain`);
  assert.equal(response.status, 200);
});

test('an invocation gets 100 external requests per runtime minute; the next ones answer 429', async () => {
  const runtime = await fixtureRuntime({ egress: egressFor() });
  const statuses = await runtime.invokeResolver(ADMIN, 'fetchMany', { url: 'https://console.jumpcloud.com/api/systems', count: 102 });
  assert.deepEqual(statuses.slice(98), [200, 200, 429, 429]);
  // A new invocation starts with a fresh allowance.
  assert.deepEqual(await runtime.invokeResolver(ADMIN, 'fetchMany', { url: 'https://console.jumpcloud.com/api/systems', count: 1 }), [200]);
});

test('manifest entries in every documented form: https URL, bare domain, "*.domain", "*"', () => {
  const policy = new EgressPolicy(['https://console.jumpcloud.com', 'console.eu.jumpcloud.com', '*.in.example.com'], {
    'https://console.jumpcloud.com': 'http://127.0.0.1:9000/base',
  });
  const at = (url) => policy.route(new URL(url));
  assert.equal(at('https://console.jumpcloud.com/api/systemusers?skip=100').local.href, 'http://127.0.0.1:9000/base/api/systemusers?skip=100');
  assert.deepEqual(at('https://console.eu.jumpcloud.com/api'), { allowed: true });
  assert.deepEqual(at('https://a.in.example.com/'), { allowed: true });
  assert.deepEqual(at('https://in.example.com/'), { allowed: false });
  assert.deepEqual(at('https://console.in.jumpcloud.com/'), { allowed: false });
  assert.deepEqual(new EgressPolicy(['*']).route(new URL('https://anything.test/')), { allowed: true });
});
