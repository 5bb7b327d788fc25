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
    maxBuffer: 64 * 1024 * 1024,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Writes `text` (a string, or bytes as a Buffer) to a file in the test folder. */
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

// An object type as OnLink's guide mapping meets it: `JumpCloud ID` rather than `id`, a required
// label, and `Manager` a reference rather than a `Manager Name` text.
const REQUIRED = [
  { id: '1', name: 'Key', type: 0, system: true, editable: false, minimumCardinality: 1 },
  { id: '2', name: 'Name', type: 0, defaultType: { id: 0, name: 'Text' }, label: true, minimumCardinality: 1 },
  { id: '3', name: 'JumpCloud ID', type: 0, defaultType: { id: 0, name: 'Text' }, uniqueAttribute: true },
  { id: '4', name: 'First Name', type: 0 },
  { id: '5', name: 'Email', type: 0, defaultType: { id: 8, name: 'Email' } },
  { id: '6', name: 'Manager', type: 1, referenceObjectTypeId: '9' },
];
const ONLINK = 'key:_id=id\nmap:firstname=First Name\nmap:email=Email\nmap:manager=Manager Name\nconfig:api=systemusers\n';

test('validate --attributes: required attributes, references and the key line are errors with fixes', async () => {
  const attrs = await file('required.json', JSON.stringify(REQUIRED));
  const path = await file('onlink.map', ONLINK);
  const { code, stdout } = tributary(['validate', path, '--attributes', attrs, '--json']);
  assert.equal(code, 1);
  const { diagnostics, omitted, errors } = JSON.parse(stdout);
  assert.equal(omitted, 0);
  assert.equal(errors, 3, stdout);
  const byCode = Object.groupBy(diagnostics, (d) => d.code);
  assert.match(byCode.E026[0].message, /requires 'Name'/);
  assert.equal(byCode.E026[0].fixes[0].replacement, '\nmap:displayname=Name|default=${firstname} ${lastname}');
  assert.deepEqual(byCode.E020.map((d) => d.fixes[0].replacement), ['JumpCloud ID', 'Manager|byKey']);
  const rendered = tributary(['validate', path, '--attributes', attrs]).stdout;
  assert.match(rendered, /= fix: replace with 'Manager\|byKey'/);
});

test('format --fix applies every fix, then formats; --write rewrites; the result validates clean', async () => {
  const attrs = await file('required2.json', JSON.stringify(REQUIRED));
  const path = await file('tofix.map', ONLINK);
  const printed = tributary(['format', path, '--fix', '--attributes', attrs]);
  assert.equal(printed.code, 0, printed.stderr);
  assert.equal(
    printed.stdout,
    'key:_id=JumpCloud ID\nmap:firstname=First Name\nmap:email=Email\nmap:manager=Manager|byKey\nmap:displayname=Name|default="${firstname} ${lastname}"\nconfig:api=systemusers\n',
  );
  assert.match(printed.stderr, /applied 3 fixes/);
  assert.equal(await readFile(path, 'utf8'), ONLINK, 'nothing written without --write');
  assert.equal(tributary(['format', path, '--fix', '--attributes', attrs, '--write']).code, 0);
  assert.equal(await readFile(path, 'utf8'), printed.stdout);
  assert.equal(tributary(['validate', path, '--attributes', attrs]).code, 0);
  // Without attributes only the text's own fixes apply: the JumpCloud field typo.
  const typo = await file('typo2.map', 'key:_id=id\nmap:jobtitel=Job Title\nconfig:api=systemusers\n');
  assert.equal(tributary(['format', typo, '--fix']).stdout, 'key:_id=id\nmap:jobTitle=Job Title\nconfig:api=systemusers\n');
  assert.equal(tributary(['format', typo, '--attributes', attrs]).code, 2, '--attributes needs --fix');
});

test('a mapping that is not UTF-8 is refused with the offset of the first bad byte (exit 2), by every command', async () => {
  // Latin-1 "Prénom": é is the single byte 0xE9.
  const latin1 = Buffer.concat([Buffer.from('key:_id=id\nmap:firstname=Pr'), Buffer.from([0xe9]), Buffer.from('nom\n')]);
  const path = await file('latin1.map', latin1);
  for (const command of ['validate', 'format', 'sample', 'preview', 'sync']) {
    const { code, stdout, stderr } = tributary([command, path]);
    assert.equal(code, 2, `${command}: ${stderr}`);
    assert.equal(stdout, '', command);
    assert.match(stderr, /latin1\.map' is not valid UTF-8: byte 0xE9 at offset 27 \(line 2, column 17\)/, command);
  }
  // Bad bytes after valid multi-byte text; a truncated sequence at the end; an overlong form.
  for (const [bytes, offset] of [
    [Buffer.concat([Buffer.from('map:a=Größe '), Buffer.from([0xff])]), 14],
    [Buffer.concat([Buffer.from('key:_id=id\n'), Buffer.from([0xe2, 0x82])]), 11],
    [Buffer.from([0x6b, 0xc0, 0xaf]), 1],
  ]) {
    const { code, stderr } = tributary(['validate', await file('bad-bytes.map', bytes)]);
    assert.equal(code, 2);
    assert.match(stderr, new RegExp(`at offset ${offset} `), stderr);
  }
  // A UTF-8 byte order mark and real UTF-8 are fine.
  const bom = await file('bom.map', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('key:_id=id\nmap:firstname=Prénom 😀\nconfig:api=systemusers\n')]));
  const ok = tributary(['validate', bom]);
  assert.equal(ok.code, 0, ok.stderr + ok.stdout);
});

test('a 5 MB mapping gives a bounded answer: 200 diagnostics, the rest counted', async () => {
  const lines = 'mpa:firstname=First Name\n'.repeat(Math.ceil((5 * 1024 * 1024) / 25));
  const path = await file('huge.map', `key:_id=id\n${lines}`);
  const json = tributary(['validate', path, '--json']);
  assert.equal(json.code, 1);
  assert.ok(json.stdout.length < 1024 * 1024, `JSON output is ${json.stdout.length} bytes`);
  const validation = JSON.parse(json.stdout);
  assert.equal(validation.diagnostics.length, 200);
  assert.ok(validation.omitted > 200_000, `omitted ${validation.omitted}`);
  assert.equal(validation.errors + validation.warnings, validation.diagnostics.length + validation.omitted);
  const rendered = tributary(['validate', path]);
  assert.equal(rendered.code, 1);
  assert.ok(rendered.stdout.length < 1024 * 1024, `rendered output is ${rendered.stdout.length} bytes`);
  assert.match(rendered.stdout, /\.\.\. and \d+ more not shown/);
  // One 5 MB line: the line is shown as a window, the message cut.
  const long = await file('long.map', `key:_id=id\nmap:firstname=${'x'.repeat(5 * 1024 * 1024)}|lowr\n`);
  const one = tributary(['validate', long]);
  assert.equal(one.code, 1);
  assert.ok(one.stdout.length < 64 * 1024, `rendered output is ${one.stdout.length} bytes`);
  assert.ok(tributary(['validate', long, '--json']).stdout.length < 64 * 1024);
});

test('COMMAND --help prints that command\'s help (exit 0), whatever else is on the line', () => {
  for (const command of ['validate', 'format', 'sample', 'preview', 'sync', 'sandbox', 'version']) {
    const { code, stdout } = tributary([command, '--help']);
    assert.equal(code, 0, command);
    assert.match(stdout, new RegExp(`^usage: tributary ${command}\\b`), command);
  }
  assert.match(tributary(['sync', 'x.map', '-h', '--json']).stdout, /^usage: tributary sync FILE/);
  assert.match(tributary(['help', 'preview']).stdout, /^usage: tributary preview FILE/);
  assert.match(tributary(['--help']).stdout, /^usage: tributary <command>/);
  const unknown = tributary(['help', 'frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  // A bad flag shows the command's own help, not the overview.
  const bad = tributary(['preview', '--bogus']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /usage: tributary preview FILE/);
});

test('validate says when a mapping is fine, and counts what is not', async () => {
  const fine = await file('fine.map', 'key:_id=id\nmap:firstname=First Name\nconfig:api=systemusers\n');
  let result = tributary(['validate', fine]);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /fine\.map: the mapping is fine, no problems found\n$/);
  const warned = await file('warned.map', 'key:_id=id\nmap:jobtitel=Job Title\nconfig:api=systemusers\n');
  result = tributary(['validate', warned]);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /warned\.map: the mapping is fine, with 1 warning\n$/);
  const bad = await file('counted.map', 'map:firstname=First Name\nconfig:api=systemusers\n');
  result = tributary(['validate', bad]);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /counted\.map: 1 error; fix the errors before a run\n$/);
  assert.doesNotMatch(tributary(['validate', fine, '--json']).stdout, /fine/);
});
