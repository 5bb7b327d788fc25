import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FaultPlan } from '../../dev/emulators/faults.js';
import { assets, BASIC, jumpCloud } from './helpers.js';

const aqlPath = (as) => `/jsm/assets/workspace/${as.workspaceId}/v1/object/aql`;

test('quotas: the n+1-th call in the window is a 429 with Retry-After, per endpoint', async () => {
  const as = await assets({ quotas: { aql: 3, getObject: 1, windowMs: 3000 } });
  try {
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await as.call('POST', '/object/aql', { qlQuery: 'objectType = User' })).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    const limited = await as.call('POST', '/object/aql', { qlQuery: 'objectType = User' });
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.match(limited.body.errorMessages[0], /rate limited/);
    // Another endpoint has its own budget.
    assert.equal((await as.call('GET', '/objectschema/list')).status, 200);
    await new Promise((resolve) => setTimeout(resolve, Number(limited.headers.get('retry-after')) * 1000 + 50));
    assert.equal((await as.call('POST', '/object/aql', { qlQuery: 'objectType = User' })).status, 200);
  } finally {
    await as.close();
  }
});

test('quotas default to the documented numbers and can be switched off', async () => {
  const as = await assets();
  const off = await assets({ quotas: false });
  try {
    assert.deepEqual({ ...as.quotas.limits }, { createObject: 2000, getObject: 2000, aql: 1000, aqlTotalCount: 500, typeAttributes: 2000 });
    assert.deepEqual(off.quotas.limits, {});
  } finally {
    await as.close();
    await off.close();
  }
});

test('fault 429 every n-th request with Retry-After; count limits it; JumpCloud error shape', async () => {
  const jc = await jumpCloud({ faults: { seed: 1, rules: [{ route: 'GET /api/systemusers', kind: '429', every: 2, count: 2, retryAfter: 7 }] } });
  try {
    const statuses = [];
    for (let i = 0; i < 6; i += 1) {
      const res = await jc.call('/api/systemusers?limit=1');
      statuses.push(res.status);
      if (res.status === 429) {
        assert.equal(res.headers.get('retry-after'), '7');
        assert.equal(res.body.code, 429);
      }
    }
    assert.deepEqual(statuses, [200, 429, 200, 429, 200, 200]);
    assert.equal((await jc.call('/api/systems?limit=1')).status, 200, 'other routes untouched');
    assert.equal(jc.faults.injected.length, 2);
  } finally {
    await jc.close();
  }
});

test('fault bursts, after, and 500 / 502 / 503 on Assets with the Errors shape', async () => {
  const as = await assets({
    faults: {
      rules: [
        { route: 'POST /object/aql', kind: '503', after: 1, count: 1, burst: 3 },
        { route: 'GET /objectschema/list', kind: '500', count: 1 },
        { route: 'GET /objectschema/{id}/objecttypes/flat', kind: '502', count: 1 },
        { route: 'GET /objecttype/{id}', kind: '503', count: 1, retryAfter: 4 },
      ],
    },
  });
  try {
    const statuses = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await as.call('POST', '/object/aql', { qlQuery: 'objectType = User' })).status);
    assert.deepEqual(statuses, [200, 503, 503, 503, 200, 200]);
    const five = await as.call('GET', '/objectschema/list');
    assert.equal(five.status, 500);
    assert.ok(Array.isArray(five.body.errorMessages));
    assert.equal((await as.call('GET', '/objectschema/list')).status, 200);
    const schemaId = [...as.state.schemas.keys()][0];
    assert.equal((await as.call('GET', `/objectschema/${schemaId}/objecttypes/flat`)).status, 502);
    const typeId = [...as.state.objectTypes.keys()][0];
    const unavailable = await as.call('GET', `/objecttype/${typeId}`);
    assert.equal(unavailable.status, 503);
    assert.equal(unavailable.headers.get('retry-after'), '4');
  } finally {
    await as.close();
  }
});

test('probability faults repeat exactly for the same seed', async () => {
  const run = (seed) => {
    const plan = new FaultPlan({ seed, rules: [{ route: '*', kind: '500', probability: 0.3 }] });
    return Array.from({ length: 200 }, () => (plan.decide('GET', '/x') ? 1 : 0)).join('');
  };
  assert.equal(run(11), run(11));
  assert.notEqual(run(11), run(12));
  const hits = [...run(11)].filter((c) => c === '1').length;
  assert.ok(hits > 30 && hits < 90, `about 30% fire (${hits}/200)`);
  assert.throws(() => new FaultPlan({ rules: [{ route: '*', kind: 'explode' }] }), /unknown kind/);
});

test('latency and slow responses delay but deliver the full body', async () => {
  const jc = await jumpCloud({
    faults: { rules: [{ route: 'GET /api/v2/usergroups', kind: 'latency', delayMs: 150 }, { route: 'GET /api/systems', kind: 'slow', delayMs: 300 }] },
  });
  try {
    let start = Date.now();
    const groups = await jc.call('/api/v2/usergroups');
    assert.equal(groups.status, 200);
    assert.ok(Date.now() - start >= 140);
    start = Date.now();
    const systems = await jc.call('/api/systems?limit=5');
    assert.equal(systems.body.results.length, 5);
    assert.ok(Date.now() - start >= 250);
  } finally {
    await jc.close();
  }
});

test('dropped connections and truncated bodies surface as client errors', async () => {
  const as = await assets({
    faults: { rules: [{ route: 'POST /object/aql', kind: 'drop', count: 1 }, { route: 'GET /objectschema/list', kind: 'truncate', count: 1 }] },
  });
  try {
    const aql = () => fetch(as.url + aqlPath(as), { method: 'POST', headers: { authorization: BASIC, 'content-type': 'application/json' }, body: JSON.stringify({ qlQuery: 'objectType = User' }) });
    await assert.rejects(aql(), /fetch failed/);
    assert.equal((await aql()).status, 200, 'the next request is served');
    const response = await fetch(`${as.url}/jsm/assets/workspace/${as.workspaceId}/v1/objectschema/list`, { headers: { authorization: BASIC } });
    assert.equal(response.status, 200);
    await assert.rejects(response.text(), /terminated|aborted|closed/i);
    assert.equal((await as.call('GET', '/objectschema/list')).status, 200);
  } finally {
    await as.close();
  }
});

test('fault plans can be replaced over the control API', async () => {
  const jc = await jumpCloud();
  try {
    const set = await fetch(`${jc.url}/__control/faults`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seed: 3, rules: [{ route: 'GET /api/v2/usergroups', kind: '502', count: 1 }] }),
    });
    assert.equal(set.status, 204);
    assert.equal((await jc.call('/api/v2/usergroups')).status, 502);
    assert.equal((await jc.call('/api/v2/usergroups')).status, 200);
    const bad = await fetch(`${jc.url}/__control/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rules: [{ kind: 'boom' }] }) });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).message, /unknown kind "boom"/);
  } finally {
    await jc.close();
  }
});

test('latencyMs: every request waits that long before the service sees it, over HTTP and in memory', async () => {
  const as = await assets({ latencyMs: 60, quotas: { aql: 1 } });
  const jc = await jumpCloud({ latencyMs: 40 });
  try {
    let start = performance.now();
    assert.equal((await as.call('POST', '/object/aql', { qlQuery: 'objectType = User' })).status, 200);
    assert.ok(performance.now() - start >= 58, 'the HTTP answer came after the latency');
    start = performance.now();
    const answer = await as.dispatch({ method: 'POST', path: `/jsm/assets/workspace/${as.workspaceId}/v1/object/aql`, headers: { authorization: BASIC }, body: JSON.stringify({ qlQuery: 'objectType = User' }) });
    assert.ok(performance.now() - start >= 58, 'in memory too');
    assert.equal(answer.status, 429, 'the quota counted both requests');
    start = performance.now();
    assert.equal((await jc.call('/api/systemusers?limit=1')).status, 200);
    assert.ok(performance.now() - start >= 38);
  } finally {
    await as.close();
    await jc.close();
  }
  await assert.rejects(assets({ latencyMs: -1 }), /latencyMs must be a non-negative number/);
});
