// The CLI's directory storage across processes: an atomic create has exactly one winner, a
// lease of a process that no longer runs is taken over at once, expired entries are free, and
// swap returns what it replaced.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { DirectoryStorage } from '../../src-js/hosts/file-store.js';

const storeModule = fileURLToPath(new URL('../../src-js/hosts/file-store.js', import.meta.url));
const dirs = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function freshDir() {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-store-'));
  dirs.push(dir);
  return dir;
}

/** Runs `script` (an async function body with `store` in scope) in a separate Node process. */
function inProcess(dir, script) {
  const code = `import { DirectoryStorage } from ${JSON.stringify(storeModule)};
const store = new DirectoryStorage(${JSON.stringify(dir)});
const out = await (async () => { ${script} })();
process.stdout.write(JSON.stringify(out ?? null));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (status) => (status === 0 ? resolve({ out: JSON.parse(stdout), pid: child.pid }) : reject(new Error(stderr))));
  });
}

test('of many processes creating one key at once, exactly one wins', async () => {
  const dir = await freshDir();
  // All start together, and stay alive until every one has tried (a winner that exited would
  // rightly lose its lease to the next).
  const start = Date.now() + 2_000;
  const racers = Array.from({ length: 8 }, (_, i) => inProcess(dir, `
    await new Promise((r) => setTimeout(r, ${start} - Date.now()));
    const won = await store.create('tributary:lease:users', JSON.stringify({ runId: 'r${i}' }), 60000);
    await new Promise((r) => setTimeout(r, 2000));
    return won;`));
  const results = (await Promise.all(racers)).map((r) => r.out);
  assert.equal(results.filter(Boolean).length, 1, JSON.stringify(results));
  // The entry is the winner's (its writer has exited since, so it no longer counts as held).
  const store = new DirectoryStorage(dir);
  const entry = JSON.parse(await readFile(store.path('tributary:lease:users'), 'utf8'));
  assert.equal(JSON.parse(entry.value).runId, `r${results.indexOf(true)}`);
});

test('a lease written by a process that no longer runs is taken over at once, with a message', async () => {
  const dir = await freshDir();
  const { out, pid } = await inProcess(dir, `return store.create('tributary:lease:users', '"old"', 600000);`);
  assert.equal(out, true);
  const messages = [];
  const store = new DirectoryStorage(dir, { log: (level, message) => messages.push([level, message]) });
  // The writer has exited: its ten-minute lease no longer counts.
  assert.equal(await store.get('tributary:lease:users'), null);
  assert.equal(await store.create('tributary:lease:users', '"new"', 600000), true);
  assert.equal(await store.get('tributary:lease:users'), '"new"');
  assert.equal(messages.length, 1);
  assert.match(messages[0][1], new RegExp(`held by process ${pid}, which no longer runs`));
  // A live holder (this process) keeps it.
  assert.equal(await store.create('tributary:lease:users', '"third"', 600000), false);
});

test('expired entries are free; swap returns the live value it replaced; plain values never expire', async () => {
  const dir = await freshDir();
  let now = 1_000_000;
  const store = new DirectoryStorage(dir, { now: () => now });
  assert.equal(await store.create('k', '"a"', 1000), true);
  assert.equal(await store.create('k', '"b"', 1000), false);
  now += 1001;
  assert.equal(await store.get('k'), null, 'expired');
  assert.equal(await store.create('k', '"b"', 1000), true);
  assert.equal(await store.swap('k', '"c"', 1000), '"b"');
  now += 5000;
  assert.equal(await store.swap('k', '"d"', 1000), null, 'an expired value is not handed back');
  await store.set('plain:key', '{"x":1}');
  now += 10 ** 9;
  assert.equal(await store.get('plain:key'), '{"x":1}');
  await store.delete('plain:key');
  await store.delete('plain:key');
  assert.equal(await store.get('plain:key'), null);
});
