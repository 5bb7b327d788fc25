#!/usr/bin/env node
// The Forge chain benchmark (numbers, never pass/fail), part of `npm run bench`: an initial
// sync of N users run the way Forge runs it — the real Forge handlers (src-js/forge) in the
// local Forge runtime (dev/forge-local), a resolver starting the run and the queue consumer
// carrying it on, one time-limited invocation per slice — against the emulators and the KVS
// store in a process of their own, so this process holds only what a Forge function holds
// (and the runtime's own bookkeeping). It prints, per invocation: function, how long it ran against
// its limit, the run's phase after it, wasm linear memory, and this process's peak RSS and
// V8 heap while it ran.
//
//   node scripts/bench-chain.mjs --users 100000 [--time-scale 1] [--json]
//
// The run is paced as on Forge (Assets' documented quotas, Forge's ~100 external requests a
// minute), so 100k users take at least the quotas' floor: about 10 minutes of JumpCloud pages
// and 50 of creates. --time-scale shrinks every Forge time limit (900 s × 0.2 = 180 s
// invocations: more, shorter invocations; the budget the core computes from the time left
// shrinks with it). The emulators answer without latency and with Assets' unique check off
// (a scan of every object per create: the emulator's cost, not the core's); their quotas are
// off too, the core's pacing keeps within them.
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { args, BENCH_MAPPING, option, root } from './bench-common.mjs';

const API_KEY = 'bench-chain-key';
const JUMPCLOUD_ORIGINS = ['https://console.jumpcloud.com', 'https://console.eu.jumpcloud.com', 'https://console.in.jumpcloud.com'];
/** Forge's memory for a function unless the manifest sets another. */
export const FORGE_MEMORY_BYTES = 512 * 1024 * 1024;

/** The largest request the remote KVS takes: a batch of values of at most 240 KiB each. */
const KVS_REQUEST_MAX_BYTES = 32 * 1024 * 1024;

/** Serves a local KVS store over HTTP on 127.0.0.1: `POST /` `{path, body}` → `{status,
 *  body}` (what `KvsStore.handle` answers), `GET /bytes` → the JSON size of what it holds and
 *  the units it was asked for (Forge's per-minute quotas on, as on Forge). */
async function serveKvs() {
  const { KvsStore } = await import(pathToFileURL(join(root, 'dev', 'forge-local', 'kvs.js')));
  const { createServer } = await import('node:http');
  const store = new KvsStore({ quotas: true });
  const server = createServer((request, response) => {
    const chunks = [];
    let size = 0;
    request.on('data', (chunk) => {
      size += chunk.length;
      if (size > KVS_REQUEST_MAX_BYTES) request.destroy();
      else chunks.push(chunk);
    });
    request.on('end', () => {
      const answer = request.url === '/bytes'
        ? { bytes: kvsBytes(store), usage: store.usage }
        : (() => {
          const { path, body } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          return store.handle(path, body);
        })();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** A KVS store in another process, in the shape the local Forge runtime calls. (Plain
 *  node:http: inside an invocation the runtime holds the global fetch to the app's egress.) */
function remoteKvs(url) {
  const { hostname, port } = new URL(url);
  const call = (method, path, payload) => new Promise((resolve, reject) => {
    // A connection per call: a kept-alive one can be closed by the server just as a call
    // goes out on it ("socket hang up").
    const request = httpRequest({ hostname, port, method, path, agent: false }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
  return {
    handle: (path, body) => call('POST', '/', JSON.stringify({ path, body })),
    bytes: async () => (await call('GET', '/bytes')).bytes,
    usage: async () => (await call('GET', '/bytes')).usage,
  };
}

/** The emulators' process (and the KVS's): prints their URLs as one JSON line, runs until
 *  stdin closes. */
async function emulatorsProcess(users) {
  const { startEmulators } = await import(pathToFileURL(join(root, 'dev', 'emulators', 'index.js')));
  const kvs = await serveKvs();
  const pair = await startEmulators({
    seed: 3, users, apiKey: API_KEY,
    jumpCloud: { validate: false },
    assets: { quotas: false, validate: false },
  });
  for (const attribute of pair.assets.state.attributes.values()) attribute.uniqueAttribute = false;
  process.stdout.write(`${JSON.stringify({ jumpCloudUrl: pair.jumpCloud.url, assetsUrl: pair.assets.url, kvsUrl: kvs.url })}\n`);
  process.stdin.resume();
  process.stdin.on('end', async () => {
    kvs.close();
    await pair.close();
    process.exit(0);
  });
}

/** Starts the emulators' process; resolves to `{urls, stop()}`. */
async function startEmulatorsProcess(users) {
  const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--emulators', '--users', String(users)], {
    cwd: root, stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: proc.stdout });
  const urls = await new Promise((resolve, reject) => {
    lines.once('line', (line) => resolve(JSON.parse(line)));
    proc.once('exit', (code) => reject(new Error(`the emulators' process exited with ${code}`)));
  });
  return { urls, stop: () => proc.stdin.end() };
}

/** The chain: configures the app through its resolvers, starts the run, delivers its queue. */
async function chain(users, timeScale) {
  // The local Forge runtime first: it provides what @forge/api expects before that loads.
  const { createForgeRuntime } = await import(pathToFileURL(join(root, 'dev', 'forge-local', 'index.js')));
  const emulators = await startEmulatorsProcess(users);
  const mapping = BENCH_MAPPING;
  try {
    const runtime = await createForgeRuntime({
      appDir: root,
      jiraBaseUrl: emulators.urls.assetsUrl,
      egress: Object.fromEntries(JUMPCLOUD_ORIGINS.map((origin) => [origin, emulators.urls.jumpCloudUrl])),
      timeScale,
    });
    // Forge keeps KVS outside the function: so does the chain, or this process's memory would
    // be the store's.
    const kvs = remoteKvs(emulators.urls.kvsUrl);
    runtime.kvs = kvs;
    await runtime.loadHandlers();
    // The handlers' core instance: the one src-js/core loads (the same module as theirs).
    const core = await import(pathToFileURL(join(root, 'src-js', 'core', 'index.js')));
    const admin = { accountId: 'bench-admin' };
    const invoke = (name, payload = {}) => runtime.invokeResolver('tributary-main', name, payload, admin);
    await invoke('saveConnection', { apiKey: API_KEY, region: 'US' });
    const schema = (await invoke('listSchemas')).find((s) => s.name === 'People');
    const type = (await invoke('listObjectTypes', { schemaId: schema.id })).find((t) => t.name === 'User');
    const { import: saved } = await invoke('saveImport', {
      import: { name: 'Bench users', objectSchemaId: schema.id, objectTypeId: type.id, mapping, schedule: 'daily' },
    });

    // Memory samples, each counted to the invocation that is running when it is taken.
    const first = runtime.invocations.length;
    const peaks = [];
    const sample = () => {
      const index = runtime.invocations.length - first;
      const { rss, heapUsed } = process.memoryUsage();
      const peak = (peaks[index] ??= { rss: 0, heap: 0 });
      peak.rss = Math.max(peak.rss, rss);
      peak.heap = Math.max(peak.heap, heapUsed);
    };
    const sampler = setInterval(sample, 50);
    const wasmAfter = [];
    const kvsAfter = [];
    const started = performance.now();
    const { runId } = await invoke('runImport', { importId: saved.id });
    wasmAfter.push(core.wasmMemoryBytes());
    kvsAfter.push(await kvs.bytes());
    // One delivery at a time, as a chain of queue events runs.
    for (;;) {
      // Events are delivered when due, as Forge's queue does (a redelivery waits its delay).
      const { delivered } = await runtime.deliverQueue({ maxEvents: 1 });
      if (!delivered) {
        const next = Math.min(...runtime.queue.pending.map((e) => e.dueAt));
        if (!Number.isFinite(next)) break;
        await new Promise((resolve) => setTimeout(resolve, Math.max(10, next - Date.now())));
        continue;
      }
      wasmAfter.push(core.wasmMemoryBytes());
      kvsAfter.push(await kvs.bytes());
    }
    clearInterval(sampler);
    const wallMs = performance.now() - started;
    const ran = runtime.invocations.slice(first);
    const record = (await invoke('listRuns', { importId: saved.id })).find((run) => run.runId === runId);
    const limits = { resolver: 25, consumer: 900 };
    const invocations = ran.map((inv, i) => ({
      function: inv.functionKey,
      status: inv.status,
      durationMs: inv.durationMs,
      limitMs: (inv.kind === 'consumer' ? limits.consumer : limits.resolver) * 1000 * timeScale,
      wasmBytes: wasmAfter[i] ?? null,
      kvsBytes: kvsAfter[i] ?? null,
      peakRssBytes: peaks[i]?.rss ?? null,
      peakHeapBytes: peaks[i]?.heap ?? null,
    }));
    return {
      users,
      timeScale,
      wallMs,
      status: record?.status,
      error: record?.error?.message ?? record?.message,
      counts: record?.counts,
      apiCalls: record?.apiCalls,
      runInvocations: record?.invocations,
      kvsUsage: await kvs.usage(),
      invocations,
    };
  } finally {
    emulators.stop();
  }
}

/** What the app keeps in a KVS store, as JSON text. */
function kvsBytes(kvs) {
  let bytes = 0;
  for (const [key, entry] of kvs.values) bytes += key.length + JSON.stringify(entry).length;
  return bytes;
}

const mb = (bytes) => (bytes == null ? '–' : `${(bytes / 1024 / 1024).toFixed(0)} MB`);

/** The chain as a Markdown table. */
export function chainTable(result) {
  const lines = [
    `Forge chain: ${result.users.toLocaleString('en')} users, ${result.status}${result.error ? ` (${result.error})` : ''}, ${result.invocations.length} invocations, ${(result.wallMs / 1000).toFixed(0)} s (time limits × ${result.timeScale})`,
    '',
    '| # | function | ran / limit | wasm memory | RSS peak | V8 heap peak | KVS after |',
    '|---:|---|---:|---:|---:|---:|---:|',
  ];
  result.invocations.forEach((inv, i) => {
    lines.push(`| ${i + 1} | ${inv.function} (${inv.status}) | ${(inv.durationMs / 1000).toFixed(1)} s / ${(inv.limitMs / 1000).toFixed(0)} s | ${mb(inv.wasmBytes)} | ${mb(inv.peakRssBytes)} | ${mb(inv.peakHeapBytes)} | ${mb(inv.kvsBytes)} |`);
  });
  const over = result.invocations.filter((inv) => inv.status !== 'ok' || inv.peakRssBytes > FORGE_MEMORY_BYTES);
  const u = result.kvsUsage;
  lines.push('');
  if (u) {
    lines.push(`KVS (Forge's quotas on): ${u.writeUnits} write units, at most ${u.peakWriteUnitsPerMinute} in a minute; ${u.readUnits} read units, at most ${u.peakReadUnitsPerMinute} in a minute (4,000 each allowed); at most ${u.peakRequestsPerSecond} requests a second; ${u.throttled} refused.`);
    const families = Object.entries(u.writeUnitsByFamily ?? {}).sort((a, b) => b[1] - a[1]);
    if (families.length) lines.push(`Write units by what they stored: ${families.map(([family, units]) => `${family} ${units}`).join(', ')}.`);
  }
  lines.push(over.length
    ? `${over.length} invocation(s) timed out, failed or went over Forge's 512 MB.`
    : "No invocation timed out or went over Forge's 512 MB.");
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const users = Number(option('users', '10000'));
  if (args.includes('--emulators')) {
    await emulatorsProcess(users);
  } else {
    const result = await chain(users, Number(option('time-scale', '1')));
    process.stdout.write(args.includes('--json') ? `${JSON.stringify(result)}\n` : `${chainTable(result)}\n`);
    process.exit(0);
  }
}
