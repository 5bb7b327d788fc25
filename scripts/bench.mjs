#!/usr/bin/env node
// The core's benchmark (numbers, never pass/fail): `npm run bench`.
//
// For each size (default 1k, 10k, 100k users) a child process starts the emulators' JumpCloud
// tenant and Assets workspace, answers the core's requests from memory through the emulators'
// own route handlers (no sockets, no quotas), and runs the real WebAssembly core as the hosts
// load it (src-js/core):
//   - an initial sync (up to 10k in slices, as chained invocations run it), an unchanged
//     re-run and a 1 % change (API calls by kind, next to the least the APIs allow; 100k: the
//     initial sync only, to fill Assets),
//   - previews (dry runs) of N users against the N objects: core time (the run's wall time
//     less the time spent answering in the host) against JSON.parse of the very response
//     bodies the core read, in the same process; the preview with the median ratio of several,
//   - peak wasm linear memory of a core instance that only ran previews, and the process's
//     peak RSS.
//   - with --chain N (by default for 100k): an initial sync of N users through the real Forge
//     handlers in the local Forge runtime, invocation by invocation (scripts/bench-chain.mjs).
// Then the wall time of one initial sync (`--wall`, default 10,000 users; 0 skips it) against
// the emulators with 80 ms latency (`--latency`) and Assets' documented quotas on, in real
// time, next to the floor those quotas set (see wallFloor).
// One table is printed at the end. `node scripts/bench.mjs --sizes 1000 --runs 3 --json`
// prints `{rows, table, wall}` as JSON instead (the smoke test in tests/core/bench.test.js
// uses it).
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { args, BENCH_MAPPING, option, root } from './bench-common.mjs';

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

const utf8 = new TextEncoder();

/** An emulator's answer as hosts hand it to the core: with the response's bytes (what
 *  `arrayBuffer()` gives), encoded once per answer. */
function coreResponse(answer) {
  answer.bytes ??= utf8.encode(answer.payload);
  return { status: answer.status, headers: Object.entries(answer.headers).map(([k, v]) => [k, String(v)]), body: answer.bytes };
}

/** Storage in memory, as the hosts' storage functions. */
function memoryStorage() {
  const store = new Map();
  return {
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
      // The network's encoding is host time, and a kept answer keeps its bytes.
      const response = coreResponse(answer);
      const parseStart = performance.now();
      if (answer.payload) JSON.parse(answer.payload);
      const end = performance.now();
      meter.parseMs += end - parseStart;
      meter.bytes += answer.payload.length;
      meter.hostMs += end - start;
      return response;
    },
    ...memoryStorage(),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: () => {},
  };
  // The emulator has no quotas here and the host is no Forge invocation: nothing waits for a
  // rate limit (the wall-time section below runs with them).
  const options = { importId: 'bench', mappingText: BENCH_MAPPING, budgetMs: 1e9, concurrency: 16, jumpcloudPerMinute: 0, assetsQuotas: false, storagePerMinute: 0 };
  // A run in slices: each invocation stops once its budget is used and the next one carries
  // on from the stored state, as Forge's chained queue events do.
  const sync = async (core, budgetMs = options.budgetMs) => {
    let report = await core.runSync(host, { ...options, budgetMs });
    while (report.status === 'continue') {
      report = await core.runSync(host, { ...options, budgetMs, resume: true, runId: report.runId });
    }
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
  // Up to 10k the initial sync runs in slices (a budget of about a quarter of its time at
  // this machine's pace), so the table shows what a run that spans invocations reads.
  const sliceMs = Number(option('slice-ms', String(Math.max(100, users / 4))));
  const initial = await sync(syncCore, users <= 10_000 ? sliceMs : options.budgetMs);
  for (const attribute of unique) attribute.uniqueAttribute = true;
  row.scenarios.initial = {
    invocations: initial.invocations,
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
  // The preview with the median ratio (the upper one of an even count), its core and parse times
  // with it: a row whose three figures come from one preview and agree with each other.
  const byRatio = samples.map((s) => ({ ...s, ratio: s.coreMs / s.parseMs })).sort((a, b) => a.ratio - b.ratio);
  const middle = byRatio[Math.floor(byRatio.length / 2)];
  row.preview = {
    runs,
    coreMs: middle.coreMs,
    parseMs: middle.parseMs,
    ratio: middle.ratio,
    ratios: byRatio.map((s) => Number(s.ratio.toFixed(2))),
    bytes: samples[0].bytes,
    unchanged: samples[0].unchanged,
  };
  row.wasmBytes = exports.memory.buffer.byteLength;
  row.maxRssBytes = process.resourceUsage().maxRSS * 1024;
  await pair.close();
  return row;
}

/** Requests a minute each rate limit allows (Assets' documented quotas; Forge's external
 *  egress for JumpCloud). */
const PER_MINUTE = { jumpcloud: 100, aql: 1000, create: 2000 };
/** Most requests in flight (the core's cap). */
const MOST_IN_FLIGHT = 16;

/**
 * The least time an initial sync of `users` can take under the rate limits: the least
 * JumpCloud pages at 100 a minute, then the least AQL pages at 1,000 a minute, then one
 * create per user at 2,000 a minute, then the writes no quota limits (the fixed reads one
 * after another, the updates 16 at a time) at one latency each. The phases follow one another
 * because the plan needs the whole source and all of Assets before the first write.
 */
function wallFloor(users, latencyMs) {
  const least = minimum({ users, existing: 0, creates: users, updates: users >= 6 ? 1 : 0 });
  const minuteMs = 60_000;
  const ms = least.jumpcloud / PER_MINUTE.jumpcloud * minuteMs
    + least.aql / PER_MINUTE.aql * minuteMs
    + least.create / PER_MINUTE.create * minuteMs
    + (least.read + Math.ceil(least.update / MOST_IN_FLIGHT)) * latencyMs;
  return { ms, least };
}

/** The most of `times` (ms, ascending) that fall in any one minute. */
function mostInAMinute(times) {
  let first = 0;
  let most = 0;
  times.forEach((at, last) => {
    while (times[first] <= at - 60_000) first += 1;
    most = Math.max(most, last + 1 - first);
  });
  return most;
}

/** One initial sync of `users` through real time against the emulators with `latencyMs` on
 *  every request and the documented quotas on (in memory, no sockets). */
async function wallChild(users, latencyMs) {
  const { startEmulators } = await import(pathToFileURL(join(root, 'dev', 'emulators', 'index.js')));
  const pair = await startEmulators({
    seed: 3, users, apiKey: 'bench', latencyMs,
    jumpCloud: { validate: false },
    assets: { validate: false },
  });
  const core = await import(pathToFileURL(join(root, 'src-js', 'core', 'index.js')));
  const { wasmBase64 } = await import(pathToFileURL(join(root, 'src-js', 'core', 'generated', 'wasm-base64.js')));
  core.initSync({ module: Buffer.from(wasmBase64, 'base64') });
  const started = performance.now();
  const jumpCloudTimes = [];
  const limited = { jumpcloud: 0, assets: 0, jira: 0 };
  const host = {
    async request({ service, method, path, headers, body }) {
      const emulator = service === 'jumpcloud' ? pair.jumpCloud : pair.assets;
      if (service === 'jumpcloud') jumpCloudTimes.push(performance.now() - started);
      const answer = await emulator.dispatch({
        method, path, body: body ?? '',
        headers: { ...headers, ...(service === 'jumpcloud' ? { 'x-api-key': 'bench' } : {}) },
      });
      if (answer.status === 429) limited[service] += 1;
      return coreResponse(answer);
    },
    ...memoryStorage(),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: () => {},
  };
  // One invocation with the time it needs (a Forge consumer has 900 s); the core's defaults
  // otherwise, as the Forge host runs it.
  const report = await core.runSync(host, { importId: 'wall', mappingText: BENCH_MAPPING, budgetMs: 1e9 });
  const wallMs = performance.now() - started;
  await pair.close();
  if (report.status !== 'succeeded') throw new Error(`wall-time sync ${report.status}: ${report.error?.message ?? ''}`);
  const { ms: floorMs, least } = wallFloor(users, latencyMs);
  const { jumpcloud, aql, read, create, update, delete: del, retries } = report.apiCalls;
  return {
    users,
    latencyMs,
    wallMs,
    floorMs,
    ratio: wallMs / floorMs,
    calls: { jumpcloud, aql, read, create, update, delete: del, retries },
    minimum: least,
    limited,
    jumpCloudMostInAMinute: mostInAMinute(jumpCloudTimes),
    created: report.counts.created,
  };
}

function wallLine(w) {
  const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
  return [
    `Wall time, initial sync of ${w.users.toLocaleString('en')} users, ${w.latencyMs} ms latency, Assets' documented quotas: ${s(w.wallMs)} against a floor of ${s(w.floorMs)} (${w.ratio.toFixed(2)}×).`,
    `Floor: ${w.minimum.jumpcloud} JumpCloud pages at ${PER_MINUTE.jumpcloud}/min + ${w.minimum.aql} AQL page(s) at ${PER_MINUTE.aql}/min + ${w.minimum.create} creates at ${PER_MINUTE.create}/min + (${w.minimum.read} reads + ${w.minimum.update} update(s) ${MOST_IN_FLIGHT} at a time) × ${w.latencyMs} ms, one phase after another (the plan needs the whole source first).`,
    `Calls made/least: ${kind.map((k) => `${k} ${w.calls[k]}/${w.minimum[k]}`).join(', ')}; 429s: Assets ${w.limited.assets}, JumpCloud ${w.limited.jumpcloud}; JumpCloud requests in any minute: at most ${w.jumpCloudMostInAMinute} (Forge allows ~100).`,
  ].join('\n');
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const kind = ['jumpcloud', 'aql', 'read', 'create', 'update', 'delete'];
const callCell = (scenario) =>
  scenario
    ? kind.map((k) => `${scenario.calls[k]}/${scenario.minimum[k]}`).join(' ') + (scenario.invocations > 1 ? ` (${scenario.invocations} slices)` : '')
    : '–';

function table(rows) {
  const lines = [];
  lines.push('| users | core ms | JSON.parse ms | core ÷ parse | wasm peak (preview) | wasm (syncs) | RSS peak | initial sync | unchanged re-run | 1 % changed |');
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---|---|---|');
  for (const r of rows) {
    lines.push(`| ${r.users.toLocaleString('en')} | ${r.preview.coreMs.toFixed(0)} | ${r.preview.parseMs.toFixed(0)} | ${r.preview.ratio.toFixed(1)}× | ${mb(r.wasmBytes)} | ${mb(r.syncWasmBytes)} | ${mb(r.maxRssBytes)} | ${callCell(r.scenarios.initial)} | ${callCell(r.scenarios.unchanged)} | ${callCell(r.scenarios.onePercent)} |`);
  }
  lines.push('');
  lines.push(`API calls as made/least, by kind: ${kind.join(' ')}. Core and parse times: the preview with the median ratio of ${rows[0]?.preview.runs ?? 0} (N users against N objects, one process; every preview's ratio below).`);
  for (const r of rows) lines.push(`- ${r.users.toLocaleString('en')}: ${r.preview.ratios.map((x) => `${x.toFixed(2)}×`).join(', ')}`);
  return lines.join('\n');
}

/** Runs this script as a child process with `childArgs`; resolves with its last stdout line
 *  as JSON. */
function runChild(childArgs, what) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), ...childArgs], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    proc.stdout.on('data', (chunk) => { text += chunk; });
    proc.on('close', (code) => (code === 0 ? resolve(JSON.parse(text.trim().split('\n').pop())) : reject(new Error(`bench ${what} exited with ${code}`))));
  });
}

if (args.includes('--child')) {
  const row = await child(Number(option('users', '1000')), Number(option('runs', '5')));
  process.stdout.write(`${JSON.stringify(row)}\n`);
} else if (args.includes('--wall-child')) {
  const result = await wallChild(Number(option('users', '10000')), Number(option('latency', '80')));
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const sizes = option('sizes', '1000,10000,100000').split(',').map(Number);
  const runs = option('runs', '5');
  const wallUsers = Number(option('wall', '10000'));
  if (!args.includes('--no-build')) execFileSync(process.execPath, [join(root, 'scripts', 'build-wasm.mjs')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const rows = [];
  for (const users of sizes) {
    const profile = option('profile') ? ['--profile', option('profile')] : [];
    rows.push(await runChild(['--child', '--users', String(users), '--runs', runs, ...profile], `at ${users} users`));
    if (!args.includes('--json')) process.stderr.write(`bench: ${users} users done\n`);
  }
  // The Forge chain: --chain N (default: the largest size when it is 100k or more; 0 skips).
  const chainUsers = Number(option('chain', String(Math.max(...sizes) >= 100_000 ? Math.max(...sizes) : 0)));
  let chain = null;
  if (chainUsers > 0) {
    const out = execFileSync(process.execPath, [join(root, 'scripts', 'bench-chain.mjs'), '--users', String(chainUsers), '--time-scale', option('time-scale', '1'), '--json'], {
      cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26,
    });
    chain = JSON.parse(out.trim().split('\n').pop());
    if (!args.includes('--json')) process.stderr.write(`bench: Forge chain of ${chainUsers} users done\n`);
  }
  let wall = null;
  if (wallUsers > 0) {
    if (!args.includes('--json')) process.stderr.write(`bench: wall time of ${wallUsers} users (real time, minutes at 10k)...\n`);
    wall = await runChild(['--wall-child', '--users', String(wallUsers), '--latency', option('latency', '80')], 'wall time');
  }
  const { chainTable } = await import('./bench-chain.mjs');
  const text = [table(rows), ...(chain ? ['', chainTable(chain)] : []), ...(wall ? ['', wallLine(wall)] : [])].join('\n');
  process.stdout.write(args.includes('--json') ? `${JSON.stringify({ rows, chain, wall, table: text })}\n` : `${text}\n`);
}
