// The CLI's sync as a person at a terminal sees it, against the emulators: a progress line that
// moves while the run goes (read through a pseudo-terminal made by `script`), no progress
// characters when piped, configuration mistakes that exit 2 before any summary, and a closed
// pipe (`| head`) that ends the CLI quietly.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { startEmulators } from '../../dev/emulators/index.js';
import { emulatorEnv, objectsByKey } from '../e2e/helpers.js';

const cli = fileURLToPath(new URL('../../src-js/cli/main.js', import.meta.url));
const USERS = fileURLToPath(new URL('../../examples/users.map', import.meta.url));
const API_KEY = 'progress-test-jumpcloud-key';
const EMAIL = 'sync-bot@example.test';
const TOKEN = 'progress-test-api-token';
let emulators;
let dir;
let env;

before(async () => {
  emulators = await startEmulators({
    seed: 5, users: 250, apiKey: API_KEY,
    assets: { auth: { email: EMAIL, apiToken: TOKEN }, allowAppCalls: false },
  });
  dir = await mkdtemp(join(tmpdir(), 'tributary-progress-'));
  env = emulatorEnv(emulators, { apiKey: API_KEY, email: EMAIL, apiToken: TOKEN }, { TRIBUTARY_STATE_DIR: join(dir, 'state') });
  // An emulator at JIRA_BASE_URL serves Assets too: ASSETS_BASE_URL is not needed.
  delete env.ASSETS_BASE_URL;
});

after(async () => {
  await emulators?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const quote = (text) => `'${text.replaceAll("'", "'\\''")}'`;

/** Runs a shell command line with the emulators' environment; resolves to {code, stdout, stderr}. */
function shell(line, extraEnv = {}) {
  return new Promise((resolve) => {
    execFile('bash', ['-c', line], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, ...extraEnv },
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    }, (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }));
  });
}

const tributary = (args) => [process.execPath, cli, ...args].map(quote).join(' ');

test('on a terminal the progress line is redrawn during the run, then the summary follows', async () => {
  // `script` gives the CLI a pseudo-terminal and copies what it shows to our stdout.
  const { code, stdout } = await shell(`script -qfec ${quote(`stty cols 200; ${tributary(['sync', USERS, '--import-id', 'tty-run'])}`)} /dev/null`);
  assert.equal(code, 0, stdout);
  const summaryAt = stdout.indexOf("Import 'tty-run' run ");
  assert.ok(summaryAt > 0, stdout);
  // Every redraw starts with a carriage return; the distinct lines drawn before the summary.
  const drawn = stdout.slice(0, summaryAt).split('\r').map((l) => l.replace(/\s+$/, '')).filter(Boolean);
  const distinct = [...new Set(drawn)];
  assert.ok(distinct.length >= 3, `the line changed only ${distinct.length} time(s): ${JSON.stringify(distinct)}`);
  // The phase comes from the run record the engine stores as it goes, so the records count may
  // first show beside the next phase.
  assert.ok(distinct.some((l) => /reading JumpCloud/.test(l)), JSON.stringify(distinct));
  assert.ok(distinct.some((l) => /\d+ pages? read \(\d+\/250 records\)/.test(l)), JSON.stringify(distinct));
  assert.ok(distinct.some((l) => /writing to Assets/.test(l)), JSON.stringify(distinct));
  assert.match(stdout.slice(summaryAt), /succeeded/);
  assert.equal(objectsByKey(emulators.assets, 'User').size, 250);
});

test('piped or with --json there is no progress line; warnings still reach stderr', async () => {
  const piped = await shell(`${tributary(['sync', USERS, '--import-id', 'piped-run'])} 2>&1 | cat`);
  assert.equal(piped.code, 0, piped.stdout);
  assert.ok(!piped.stdout.includes('\r'), JSON.stringify(piped.stdout.slice(0, 300)));
  assert.match(piped.stdout, /^Import 'piped-run' run \S+: succeeded/);
  const json = await shell(`script -qfec ${quote(`${tributary(['sync', USERS, '--import-id', 'json-run', '--json'])}`)} /dev/null`);
  assert.equal(json.code, 0, json.stdout);
  assert.ok(!json.stdout.includes('reading JumpCloud'), json.stdout.slice(0, 300));
  assert.equal(JSON.parse(json.stdout.replaceAll('\r\n', '\n')).status, 'succeeded');
});

test('a configuration mistake exits 2 before any summary, naming what was wrong', async () => {
  const missingType = await shell(`${tributary(['sync', USERS, '--object-type', 'Laptopz'])}`);
  assert.equal(missingType.code, 2, missingType.stderr + missingType.stdout);
  assert.equal(missingType.stdout, '');
  assert.match(missingType.stderr, /Laptopz/);
  assert.match(missingType.stderr, /\[E106\]/);
  const preview = await shell(`${tributary(['preview', USERS, '--object-type', 'Laptopz'])}`);
  assert.equal(preview.code, 2);
  assert.equal(preview.stdout, '');
  // The run still did the honest thing with a failed run's data: --json shows it, exit 2 too.
  const json = await shell(`${tributary(['sync', USERS, '--object-type', 'Laptopz', '--json'])}`);
  assert.equal(json.code, 2);
  assert.equal(JSON.parse(json.stdout).error.code, 'E106');
});

test('a reader that stops early (| head) ends the CLI quietly', async () => {
  const path = join(dir, 'many-errors.map');
  await writeFile(path, `key:_id=id\n${'mpa:firstname=First Name\n'.repeat(500)}`);
  const validate = await shell(`${tributary(['validate', path])} | head -n 2; echo "status \${PIPESTATUS[0]}" >&2`);
  assert.equal(validate.stdout.split('\n').length, 3, validate.stdout);
  assert.doesNotMatch(validate.stderr, /EPIPE|Error|at /, validate.stderr);
  const preview = await shell(`${tributary(['preview', USERS, '--import-id', 'head-run'])} | head -n 1`);
  assert.match(preview.stdout, /^Preview of import 'head-run'/);
  assert.equal(preview.stderr, '');
});
