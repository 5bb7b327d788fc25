// The `tributary` command line as a user runs it: exit codes, rendered and JSON diagnostics,
// attribute-aware validation, formatting.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src-js/cli/main.js', import.meta.url));
let dir;

function tributary(args, env = {}) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function file(name, text) {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

// The body Assets returns for GET objecttype/{id}/attributes (trimmed to what matters).
const ATTRIBUTES = [
  { id: '1', name: 'Key', type: 0, defaultType: { id: 0, name: 'Text' }, system: true, editable: false, label: false, position: 0 },
  { id: '2', name: 'Name', type: 0, defaultType: { id: 0, name: 'Text' }, label: true, position: 1 },
  { id: '3', name: 'JumpCloud ID', type: 0, defaultType: { id: 0, name: 'Text' }, uniqueAttribute: true, label: false, position: 2 },
  { id: '4', name: 'Job Title', type: 0, defaultType: { id: 0, name: 'Text' }, label: false, position: 3 },
  { id: '5', name: 'Start Date', type: 0, defaultType: { id: 4, name: 'Date' }, label: false, position: 4 },
];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tributary-cli-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('validate: a good OnLink mapping exits 0', async () => {
  const path = await file('good.map', 'key:_id=id\nmap:firstname=First Name\nconfig:api=systemusers\n');
  const { code, stderr } = tributary(['validate', path]);
  assert.equal(code, 0, stderr);
});

test('validate: errors are rendered with line, column, caret and hint; exit 1', async () => {
  const path = await file('bad.map', 'key:_id=id\nmap:jobTitle=Job Title|lowr\nconfig:api=systemusers\n');
  const { code, stdout } = tributary(['validate', path]);
  assert.equal(code, 1);
  assert.match(stdout, /error\[E\d+\]: unknown option 'lowr'/);
  assert.match(stdout, /bad\.map:2:24/);
  assert.match(stdout, /\^\^\^\^/);
  assert.match(stdout, /did you mean 'lower'\?/);
});

test('validate --json gives the documented diagnostics shape', async () => {
  const path = await file('bad2.map', 'map:firstname=First Name\n');
  const { code, stdout } = tributary(['validate', path, '--json']);
  assert.equal(code, 1);
  const { diagnostics } = JSON.parse(stdout);
  assert.ok(diagnostics.length >= 1);
  for (const d of diagnostics) {
    for (const field of ['code', 'severity', 'message', 'line', 'column']) assert.ok(field in d, `${field} in ${JSON.stringify(d)}`);
  }
  assert.ok(diagnostics.some((d) => d.severity === 'error'), 'a mapping without key: is an error');
});

test('validate warns about a JumpCloud field the collection does not have, without --attributes too', async () => {
  const path = await file('typo.map', 'key:_id=JumpCloud ID\nmap:jobtitel=Job Title\nmap:attributes[name=costCenter].value=Cost Center\nmap:memberof=Groups|Name=${memberof}\nconfig:api=systemusers\n');
  const { stdout } = tributary(['validate', path, '--json']);
  const { diagnostics } = JSON.parse(stdout);
  const typo = diagnostics.filter((d) => d.code === 'W008');
  assert.equal(typo.length, 1, stdout);
  assert.equal(typo[0].line, 2);
  assert.equal(typo[0].column, 5);
  assert.match(typo[0].hint, /did you mean 'jobTitle'/);
  // Custom attributes and the engine's memberof stay valid; the same on another collection.
  const systems = await file('systems.map', 'key:_id=JumpCloud ID\nmap:hostname=Host\nmap:email=Email\nconfig:api=systems\n');
  const other = JSON.parse(tributary(['validate', systems, '--json']).stdout).diagnostics;
  assert.deepEqual(other.filter((d) => d.code === 'W008').map((d) => d.line), [3]);
});

test('validate --attributes checks names and types against the object type', async () => {
  const attrs = await file('attrs.json', JSON.stringify(ATTRIBUTES));
  const path = await file('typed.map', 'key:_id=JumpCloud ID\nmap:jobTitle=Job Titel\nconfig:api=systemusers\n');
  const { code, stdout } = tributary(['validate', path, '--attributes', attrs, '--json']);
  assert.equal(code, 1);
  const unknown = JSON.parse(stdout).diagnostics.find((d) => d.severity === 'error' && d.line === 2);
  assert.ok(unknown, stdout);
  assert.match(unknown.hint ?? '', /Job Title/);
});

test('usage and configuration errors exit 2 and say what was wrong', async () => {
  let result = tributary(['validate']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /expected exactly one mapping file/);
  result = tributary(['validate', join(dir, 'missing.map')]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /cannot read mapping file .*missing\.map.*no such file/);
  result = tributary(['validate', '--bogus', 'x']);
  assert.equal(result.code, 2);
  result = tributary(['frobnicate']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /unknown command 'frobnicate'/);
  const path = await file('ok.map', 'key:_id=id\nconfig:api=systemusers\n');
  const attrs = await file('broken.json', '{not json');
  result = tributary(['validate', path, '--attributes', attrs]);
  assert.equal(result.code, 2);
});

test('format prints the canonical text; --write rewrites the file; formatting is idempotent', async () => {
  const path = await file('messy.map', '\uFEFFKEY : _id = id \r\nMAP:firstname =  First Name\r\n# a comment\r\nconfig:api=systemusers\r\n');
  const first = tributary(['format', path]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^key:_id=id\n/);
  assert.match(first.stdout, /map:firstname=First Name\n/);
  assert.match(first.stdout, /# a comment/);
  const again = await file('again.map', first.stdout);
  assert.equal(tributary(['format', again]).stdout, first.stdout);
  assert.equal(tributary(['format', path, '--write']).code, 0);
  assert.equal(await readFile(path, 'utf8'), first.stdout);
});

test('sync commands refuse to start without credentials, naming the variable (exit 2)', async () => {
  const path = await file('users.map', 'key:_id=id\nmap:firstname=First Name\nconfig:api=systemusers\n');
  const { code, stderr } = tributary(['preview', path]);
  assert.equal(code, 2);
  assert.match(stderr, /JUMPCLOUD_API_KEY/);
});
