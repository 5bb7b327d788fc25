// `tributary sandbox` — the README's main command — as a user runs it: it syncs, prints the
// summary and where the settings page is, serves it with a working bridge, and stops on Ctrl-C.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src-js/cli/main.js', import.meta.url));

test('sandbox --once runs the first sync and prints its summary', () => {
  const result = spawnSync(process.execPath, [cli, 'sandbox', '--once', '--users', '30', '--seed', '4'], {
    encoding: 'utf8', timeout: 120_000,
  });
  assert.equal(result.status, 0, result.stderr + result.stdout);
  assert.match(result.stdout, /JumpCloud emulator: http:\/\/127\.0\.0\.1:\d+/);
  assert.match(result.stdout, /First sync: succeeded — created 30,/);
  // Piped, each step of the start gets one line (a terminal redraws one line in place).
  assert.match(result.stdout, /Seeding the emulated directory with 30 users…\n/);
  assert.match(result.stdout, /First sync: starting…\n/);
  assert.ok(!result.stdout.includes('sandbox-jumpcloud-key'));
});

test('sandbox serves the settings page with a live bridge and stops cleanly on Ctrl-C', async () => {
  const child = spawn(process.execPath, [cli, 'sandbox', '--users', '20', '--port', '0', '--jumpcloud-port', '0', '--assets-port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (d) => { stdout += d; });
  const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  try {
    const pageUrl = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no page URL in time:\n${stdout}`)), 90_000);
      child.stdout.on('data', () => {
        const found = stdout.match(/Settings page: (http:\/\/127\.0\.0\.1:\d+\/)/);
        if (found) {
          clearTimeout(timer);
          resolve(found[1]);
        }
      });
    });
    const html = await (await fetch(pageUrl)).text();
    assert.match(html, /<script src="\/__bridge\/bridge\.js"><\/script>/, 'the bridge loads before the page');
    const answer = await fetch(`${pageUrl}__bridge/invoke`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ functionKey: 'listImports', payload: {} }),
    });
    const { result } = await answer.json();
    assert.equal(result[0].name, 'JumpCloud users');
  } finally {
    child.kill('SIGINT');
  }
  assert.equal(await exited, 0);
  assert.match(stdout, /Stopping/);
});
