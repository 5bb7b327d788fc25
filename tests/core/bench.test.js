// The benchmark's smoke run (scripts/bench.mjs at its smallest size): it prints its one table,
// and the API calls of an initial sync, an unchanged re-run and a 1 % change are the least the
// APIs allow. Times are printed by `npm run bench`, never asserted.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('npm run bench at 1,000 users: one table, and API calls at the minimum', () => {
  const out = execFileSync(process.execPath, [join(root, 'scripts', 'bench.mjs'), '--no-build', '--sizes', '1000', '--runs', '1', '--json'], {
    cwd: root, encoding: 'utf8', timeout: 120_000,
  });
  const { rows, table } = JSON.parse(out.trim().split('\n').pop());
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
});
