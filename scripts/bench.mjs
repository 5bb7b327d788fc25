#!/usr/bin/env node
// The core's benchmark (numbers, never pass/fail): `npm run bench`.
//
// For each size (default 1k, 10k, 100k users) a child process starts the emulators' JumpCloud
// tenant and Assets workspace, answers the core's requests from memory through the emulators'
// own route handlers (no sockets, no quotas), and runs the real WebAssembly core as the hosts
// load it (src-js/core):
//   - an initial sync, an unchanged re-run and a 1 % change (API calls by kind, next to the
//     least the APIs allow; 100k: the initial sync only, to fill Assets),
//   - previews (dry runs) of N users against the N objects: core time (the run's wall time
//     less the time spent answering in the host) against JSON.parse of the very response
//     bodies the core read, in the same process; the median over several previews,
//   - peak wasm linear memory of a core instance that only ran previews, and the process's
//     peak RSS.
// One table is printed at the end. `node scripts/bench.mjs --sizes 1000 --runs 3 --json`
// prints `{rows, table}` as JSON instead (the smoke test in tests/core/bench.test.js uses it).
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};

/** The benchmark mapping: examples/users.map without its Jira User row (one user search per
 *  email would measure Jira's search, not the core). */
const BENCH_MAPPING = readFileSync(join(root, 'examples', 'users.map'), 'utf8')
  .split('\n')
  .filter((line) => !/=Jira User\b/.test(line))
  .join('\n');

const JUMPCLOUD_PAGE = 100;
const AQL_PAGE = 500;

/** The least API calls a run can make (the fixed reads: workspace, schema list, the schema's
 *  types, the type's attributes). */
function minimum({ users, existing, creates = 0, updates = 0 }) {
  return {
    jumpcloud: Math.max(1, Math.ceil(users / JUMPCLOUD_PAGE)),
    aql: Math.max(1, Math.ceil(existing / AQL_PAGE)),
    read: 4,
    create: creates,
    update: updates,
    delete: 0,
  };
}

async function child(users, runs) {
  const { startEmulators } = await import(pathToFileURL(join(root, 'dev', 'emulators', 'index.js')));
  const pair = await startEmulators({
    seed: 3, users, apiKey: 'bench',
    jumpCloud: { validate: false },
    assets: { quotas: false, validate: false },
  });
  // A separate instance of the same core for the syncs, so the previews' instance shows only
  // what a preview needs (wasm memory never shrinks).
  const generated = pathToFileURL(join(root, 'src-js', 'core', 'generated', 'tributary_wasm.js'));
  const syncCore = await import(`${generated.href}?instance=sync`);
  const { wasmBase64 } = await import(pathToFileURL(join(root, 'src-js', 'core', 'generated', 'wasm-base64.js')));
  const syncExports = syncCore.initSync({ module: Buffer.from(wasmBase64, 'base64') });

  const meter = { hostMs: 0, parseMs: 0, bytes: 0 };
  const jumpCloudPages = new Map();
  // While the previews run nothing changes Assets either: its AQL answers are kept too, so
  // the emulator's search over every object (and the garbage it leaves for V8 to collect in
  // the middle of the core's time) is paid once, not once per preview.
  const aqlPages = new Map();
  let previewing = false;
  const store = new Map();
  const utf8 = new TextEncoder();
  const host = {
    async request({ service, method, path, headers, body }) {
      const start = performance.now();
      const emulator = service === 'jumpcloud' ? pair.jumpCloud : pair.assets;
      // The emulator sorts the whole directory for every page; JumpCloud pages are kept until
      // the bench changes the directory (host time is not the core's, but it is the bench's).
      const pages = service === 'jumpcloud' && method === 'GET' ? jumpCloudPages
        : previewing && service === 'assets' && path.includes('/object/aql') ? aqlPages : null;
      const memoKey = `${path} ${body ?? ''}`;
      const answer = pages?.get(memoKey) ?? await emulator.dispatch({
        method, path, body: body ?? '',
        headers: { ...headers, ...(service === 'jumpcloud' ? { 'x-api-key': 'bench' } : {}) },
      });
      if (pages && answer.status === 200) pages.set(memoKey, answer);
      // Hosts hand the core the response's bytes (what `arrayBuffer()` gives); the network's
      // encoding is host time, and a kept answer keeps its bytes.
      answer.bytes ??= utf8.encode(answer.payload);
      const parseStart = performance.now();
      if (answer.payload) JSON.parse(answer.payload);
      const end = performance.now();
      meter.parseMs += end - parseStart;
      meter.bytes += answer.payload.length;
      meter.hostMs += end - start;
      const response = { status: answer.status, headers: Object.entries(answer.headers).map(([k, v]) => [k, String(v)]), body: answer.bytes };
      return response;
    },
    storageGet: (key) => store.get(key) ?? null,
    storageSet: (key, json) => { store.set(key, json); },
    storageDelete: (key) => { store.delete(key); },
    storageSetExpiring: (key, json) => { store.set(key, json); },
    storageCreate: (key, json) => {
      if (store.has(key)) return false;
      store.set(key, json);
      return true;
    },
    storageSwap: (key, json) => {
      const previous = store.get(key) ?? null;
      store.set(key, json);
      return previous;
    },
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: () => {},
  };
  const options = { importId: 'bench', mappingText: BENCH_MAPPING, budgetMs: 1e9, concurrency: 16 };
  const sync = async (core) => {
    const report = await core.runSync(host, { ...options });
    if (!['succeeded', 'partial'].includes(report.status)) {
      throw new Error(`bench sync ${report.status}: ${report.error?.message ?? report.message ?? ''}`);
    }
    return report;
  };
  const calls = (report) => {
    const { jumpcloud, aql, read, create, update, delete: del, userSearch, retries } = report.apiCalls;
    return { jumpcloud, aql, read, create, update, delete: del, userSearch, retries };
  };

  const row = { users, scenarios: {} };
  // Above 10k the emulator's check that a unique attribute's value is unused (a scan of every
  // object per create, quadratic over a run) would take this machine hours, and it is the
  // emulator's cost, not the core's: the initial sync that fills Assets runs with the check
  // off (the tenant's ids are unique). The previews after it, which plan every object
  // unchanged and nothing to write, show the objects are the ones a checked sync writes.
  const unique = [...pair.assets.state.attributes.values()].filter((a) => a.uniqueAttribute);
  if (users > 10_000) for (const attribute of unique) attribute.uniqueAttribute = false;
  const initial = await sync(syncCore);
  for (const attribute of unique) attribute.uniqueAttribute = true;
  row.scenarios.initial = {
    calls: calls(initial),
    // The tenant's last two users name each other as manager: one of them is written again
    // once the other exists.
    minimum: minimum({ users, existing: 0, creates: users, updates: users >= 6 ? 1 : 0 }),
    counts: initial.counts,
  };
  if (users <= 10_000) {
    const again = await sync(syncCore);
    row.scenarios.unchanged = { calls: calls(again), minimum: minimum({ users, existing: users }), counts: again.counts };
    const changed = pair.tenant.users.filter((_, i) => i % 100 === 50).slice(0, Math.max(1, users / 100));
    for (const [i, user] of changed.entries()) pair.tenant.promote(user._id, { jobTitle: `Bench Title ${i}` });
    jumpCloudPages.clear();
    const onePercent = await sync(syncCore);
    row.scenarios.onePercent = {
      calls: calls(onePercent),
      minimum: minimum({ users, existing: users, updates: changed.length }),
      counts: onePercent.counts,
    };
  }
  row.syncWasmBytes = syncExports.memory.buffer.byteLength;

  // The previews run on the core as the hosts load it.
  const core = await import(pathToFileURL(join(root, 'src-js', 'core', 'index.js')));
  const exports = core.initSync({ module: Buffer.from(wasmBase64, 'base64') });
  const samples = [];
  // --profile FILE: a CPU profile of the previews only (open it in Chrome's DevTools).
  const profileFile = option('profile');
  const session = profileFile ? new (await import('node:inspector/promises')).Session() : null;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  previewing = true;
  for (let i = 0; i < runs; i += 1) {
    Object.assign(meter, { hostMs: 0, parseMs: 0, bytes: 0 });
    const start = performance.now();
    const report = await core.previewSync(host, { ...options, dryRun: true, planLimit: 0 });
    const wall = performance.now() - start;
    if (report.status !== 'succeeded' && report.status !== 'partial') throw new Error(`bench preview ${report.status}`);
    const { created, updated, marked, deleted, unchanged } = report.counts;
    if (created + updated + marked + deleted !== 0 || unchanged !== users) {
      throw new Error(`bench preview planned writes against the synced objects: ${JSON.stringify(report.counts)}`);
    }
    samples.push({ coreMs: wall - meter.hostMs, parseMs: meter.parseMs, bytes: meter.bytes, unchanged: report.counts.unchanged });
  }
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    (await import('node:fs')).writeFileSync(profileFile, JSON.stringify(profile));
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  row.preview = {
    runs,
    coreMs: median(samples.map((s) => s.coreMs)),
    parseMs: median(samples.map((s) => s.parseMs)),
    ratio: median(samples.map((s) => s.coreMs / s.parseMs)),
    bytes: samples[0].bytes,
    unchanged: samples[0].unchanged,
  };
  row.wasmBytes = exports.memory.buffer.byteLength;
  row.maxRssBytes = process.resourceUsage().maxRSS * 1024;
  await pair.close();
  return row;
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const kind = ['jumpcloud', 'aql', 'read', 'create', 'update', 'delete'];
const callCell = (scenario) =>
  scenario ? kind.map((k) => `${scenario.calls[k]}/${scenario.minimum[k]}`).join(' ') : '–';

function table(rows) {
  const lines = [];
  lines.push('| users | core ms | JSON.parse ms | core ÷ parse | wasm peak (preview) | wasm (syncs) | RSS peak | initial sync | unchanged re-run | 1 % changed |');
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---|---|---|');
  for (const r of rows) {
    lines.push(`| ${r.users.toLocaleString('en')} | ${r.preview.coreMs.toFixed(0)} | ${r.preview.parseMs.toFixed(0)} | ${r.preview.ratio.toFixed(1)}× | ${mb(r.wasmBytes)} | ${mb(r.syncWasmBytes)} | ${mb(r.maxRssBytes)} | ${callCell(r.scenarios.initial)} | ${callCell(r.scenarios.unchanged)} | ${callCell(r.scenarios.onePercent)} |`);
  }
  lines.push('');
  lines.push(`API calls as made/least, by kind: ${kind.join(' ')}. Core and parse times: median of ${rows[0]?.preview.runs ?? 0} previews (N users against N objects) in one process.`);
  return lines.join('\n');
}

if (args.includes('--child')) {
  const row = await child(Number(option('users', '1000')), Number(option('runs', '5')));
  process.stdout.write(`${JSON.stringify(row)}\n`);
} else {
  const sizes = option('sizes', '1000,10000,100000').split(',').map(Number);
  const runs = option('runs', '5');
  if (!args.includes('--no-build')) execFileSync(process.execPath, [join(root, 'scripts', 'build-wasm.mjs')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const rows = [];
  for (const users of sizes) {
    const out = await new Promise((resolve, reject) => {
      const profile = option('profile') ? ['--profile', option('profile')] : [];
      const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', '--users', String(users), '--runs', runs, ...profile], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      proc.stdout.on('data', (chunk) => { text += chunk; });
      proc.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`bench at ${users} users exited with ${code}`))));
    });
    rows.push(JSON.parse(out.trim().split('\n').pop()));
    if (!args.includes('--json')) process.stderr.write(`bench: ${users} users done\n`);
  }
  process.stdout.write(args.includes('--json') ? `${JSON.stringify({ rows, table: table(rows) })}\n` : `${table(rows)}\n`);
}
