// The benchmark's smoke run (scripts/bench.mjs at its smallest size): it prints its one table,
// and the API calls of an initial sync, an unchanged re-run and a 1 % change are the least the
// APIs allow; the wall-time section runs at 100 users with the quotas and latency on and
// makes no 429. Times are printed by `npm run bench`, never asserted.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('npm run bench at 1,000 users: one table, and API calls at the minimum', () => {
  const out = execFileSync(process.execPath, [join(root, 'scripts', 'bench.mjs'), '--no-build', '--sizes', '1000', '--runs', '1', '--wall', '100', '--json'], {
    cwd: root, encoding: 'utf8', timeout: 120_000,
  });
  const { rows, table, wall } = JSON.parse(out.trim().split('\n').pop());
  assert.match(table, /^\| users \| core ms \| JSON\.parse ms \| core ÷ parse \|/);
  assert.match(table, /^\| 1,000 \| \d+ \| \d+ \| [\d.]+× \| \d+ MB \|/m);
  const [row] = rows;
  assert.equal(row.users, 1000);
  assert.equal(row.preview.unchanged, 1000, 'the previews compare 1,000 users with their 1,000 objects');
  for (const name of ['initial', 'unchanged', 'onePercent']) {
    const { calls, minimum } = row.scenarios[name];
    for (const kind of ['aql', 'read', 'create', 'update', 'delete']) {
      assert.equal(calls[kind], minimum[kind], `${name}: ${kind} calls`);
    }
    // Each JumpCloud page after the first starts one record early (a shifted listing shows),
    // so 1,000 users take ceil(999 / 99) = 11 pages of 100 where 10 is the least.
    assert.equal(calls.jumpcloud, Math.ceil((row.users - 1) / 99), `${name}: JumpCloud pages`);
    assert.equal(calls.retries, 0);
  }
  assert.ok(row.scenarios.initial.invocations > 1, `the initial sync ran in slices (${row.scenarios.initial.invocations})`);
  assert.equal(row.scenarios.unchanged.counts.unchanged, 1000);
  assert.equal(row.scenarios.onePercent.counts.updated, 10);

  // The wall-time section: an initial sync through real time against the quota-enforcing
  // emulators, printed against the floor the quotas set.
  assert.match(table, /^Wall time, initial sync of 100 users, 80 ms latency, Assets' documented quotas: [\d.]+ s against a floor of [\d.]+ s \([\d.]+×\)\.$/m);
  assert.match(table, /^Floor: 1 JumpCloud pages at 100\/min \+ 1 AQL page\(s\) at 1000\/min \+ 100 creates at 2000\/min/m);
  assert.equal(wall.users, 100);
  assert.equal(wall.created, 100);
  assert.deepEqual(wall.limited, { jumpcloud: 0, assets: 0, jira: 0 }, 'no 429 from the quotas');
  assert.equal(wall.calls.create, 100);
  assert.equal(wall.calls.retries, 0);
  assert.ok(wall.jumpCloudMostInAMinute <= 100);
  // 1 page / 100 a minute + 1 AQL page / 1,000 a minute + 100 creates / 2,000 a minute, then
  // 4 reads and 1 update at one latency each.
  assert.equal(Math.round(wall.floorMs), Math.round(600 + 60 + 3000 + 5 * 80));
});
