// Emulator throughput, printed (not a pass/fail test):
//   node tests/emulators/bench.js
import { startEmulators } from '../../dev/emulators/index.js';
import { attributesBody } from './helpers.js';

const pair = await startEmulators({ seed: 2, users: 5000, apiKey: 'bench', assets: { quotas: false } });
const { jumpCloud: jc, assets: as } = pair;
const timed = async (label, count, fn) => {
  const start = process.hrtime.bigint();
  await fn();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`${label}: ${count} requests in ${ms.toFixed(0)} ms (${((count * 1000) / ms).toFixed(0)} req/s)`);
};
try {
  let pages = 0;
  await timed('JumpCloud v1 page 5000 users (limit=100, sort=_id)', 50, async () => {
    for (let skip = 0; skip < 5000; skip += 100) {
      const res = await fetch(`${jc.url}/api/systemusers?limit=100&skip=${skip}&sort=_id`, { headers: { 'x-api-key': 'bench' } });
      await res.json();
      pages += 1;
    }
  });
  const type = [...as.state.objectTypes.values()].find((t) => t.name === 'User');
  const attrs = Object.fromEntries(as.state.attributesOf(type.id).map((a) => [a.name, a.id]));
  const users = pair.tenant.users.slice(0, 2000);
  await timed('Assets object/create (2000 users, validated)', users.length, async () => {
    for (const u of users) {
      const res = await fetch(`${as.assetsBase}/object/create`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify(attributesBody(type.id, { [attrs.Name]: u.displayname, [attrs['JumpCloud ID']]: u._id, [attrs.Email]: u.email })),
      });
      if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
    }
  });
  await timed('Assets object/aql lookup, IN batches of 50 (2000 objects)', 40, async () => {
    for (let i = 0; i < users.length; i += 50) {
      const ids = users.slice(i, i + 50).map((u) => `"${u._id}"`).join(',');
      const res = await fetch(`${as.assetsBase}/object/aql?maxResults=50`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ qlQuery: `objectTypeId = ${type.id} AND "JumpCloud ID" IN (${ids})` }),
      });
      const body = await res.json();
      if (body.values.length !== 50) throw new Error('lookup missed objects');
    }
  });
} finally {
  await pair.close();
}
