// The local sandbox: emulated JumpCloud and Assets, the local Forge runtime running the real
// Forge handlers, a first sync of the example users mapping, and the settings page — all on
// 127.0.0.1. The built-in default the README's main command runs.
//
// The Forge runtime must be imported before anything that loads @forge/api.
import { createForgeRuntime } from '../forge-local/index.js';
import { startEmulators } from '../emulators/index.js';
import { startSettingsServer } from './settings-server.js';
import { RunProgress, classifyRequest } from '../../src-js/cli/progress.js';

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const appDir = fileURLToPath(new URL('../..', import.meta.url));
/** The sandbox's Jira admin (any account id works: the emulated site lets everyone administer). */
export const SANDBOX_ADMIN = '5b10ac8d82e05b22cc7d4ef5';
const SANDBOX_API_KEY = 'sandbox-jumpcloud-key';
const MAIN_PAGE = 'tributary-main';
const JUMPCLOUD_ORIGINS = [
  'https://console.jumpcloud.com',
  'https://console.eu.jumpcloud.com',
  'https://console.in.jumpcloud.com',
];

/**
 * Starts everything. Options: `port` (settings page), `jumpCloudPort`, `assetsPort`, `users`,
 * `seed`, `firstSync` (default true), `log(line)`, `progress(text)` (what it is doing now, while it
 * seeds and syncs; a terminal redraws it in place); tests may add `assets` / `jumpCloud`
 * emulator options (e.g. fault plans) and `runtime` options for the local Forge runtime. Resolves to
 * `{pageUrl, jumpCloudUrl, assetsUrl, runtime, emulators, firstRun, close()}`.
 */
export async function startSandbox({
  port = 0, jumpCloudPort = 0, assetsPort = 0, users = 300, seed = 1, firstSync = true, log = () => {},
  progress = () => {}, assets = {}, jumpCloud = {}, runtime: runtimeOptions = {},
} = {}) {
  const closers = [];
  const close = async () => {
    for (const fn of closers.reverse()) await fn().catch(() => {});
  };
  try {
    progress(`Seeding the emulated directory with ${users} users…`);
    const emulators = await startEmulators({
      seed, users, apiKey: SANDBOX_API_KEY,
      jumpCloud: { port: jumpCloudPort, ...jumpCloud }, assets: { port: assetsPort, ...assets },
    });
    closers.push(() => emulators.close());
    log(`JumpCloud emulator: ${emulators.jumpCloud.url} (${users} users, seed ${seed})`);
    log(`Assets emulator:    ${emulators.assets.url} (workspace ${emulators.assets.workspaceId})`);

    const runtime = await createForgeRuntime({
      appDir,
      jiraBaseUrl: emulators.assets.url,
      egress: Object.fromEntries(JUMPCLOUD_ORIGINS.map((origin) => [origin, emulators.jumpCloud.url])),
      ...runtimeOptions,
    });
    const invoke = (name, payload = {}) => runtime.invokeResolver(MAIN_PAGE, name, payload, { accountId: SANDBOX_ADMIN });

    // Queued runs continue in the background, as Forge's queue would deliver them. Every
    // drain (the background one and a caller's) waits for the one before it: a caller's drain
    // that found the queue empty while the background one was delivering an event would
    // return before that event's run had moved on.
    let draining = Promise.resolve();
    const drainOnce = runtime.drainQueues.bind(runtime);
    runtime.drainQueues = (...args) => {
      draining = draining.catch(() => {}).then(() => drainOnce(...args));
      return draining;
    };
    const pump = setInterval(() => {
      runtime.drainQueues().catch((error) => log(`queue: ${error.message}`));
    }, 500);
    closers.push(async () => {
      clearInterval(pump);
      await draining;
    });

    const importId = await configure(invoke);
    let firstRun;
    if (firstSync) {
      progress('First sync: starting…');
      const from = { jumpCloud: emulators.jumpCloud.requests.length, assets: emulators.assets.requests.length };
      const { runId } = await invoke('runImport', { importId });
      firstRun = await followRun(invoke, importId, runId, runtime.drainQueues(), progress, emulators, from);
    }

    const page = await startSettingsServer({
      root: `${appDir}static/settings`,
      port,
      invoke,
      context: { accountId: SANDBOX_ADMIN, moduleKey: MAIN_PAGE, extension: { type: 'jira:adminPage' } },
    });
    closers.push(() => page.close());
    return {
      pageUrl: page.url, jumpCloudUrl: emulators.jumpCloud.url, assetsUrl: emulators.assets.url,
      runtime, emulators, importId, firstRun, invoke, close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Saves the sandbox connection and the example users import; returns the import id. */
async function configure(invoke) {
  await invoke('saveConnection', { apiKey: SANDBOX_API_KEY, region: 'US' });
  const mapping = await readFile(`${appDir}examples/users.map`, 'utf8');
  const schema = (await invoke('listSchemas')).find((s) => s.name === 'People');
  const type = (await invoke('listObjectTypes', { schemaId: schema.id })).find((t) => t.name === 'User');
  const { import: saved } = await invoke('saveImport', {
    import: { name: 'JumpCloud users', objectSchemaId: schema.id, objectTypeId: type.id, mapping, schedule: 'hourly' },
  });
  return saved.id;
}

/**
 * What the first sync is doing, from what the emulators were asked since `from` (request log
 * positions): the Forge run stores its record only between invocations, so the requests say
 * how far it got in between (pages read, objects written).
 */
function sandboxProgress(emulators, from) {
  const progress = new RunProgress();
  for (const request of emulators.jumpCloud.requests.slice(from.jumpCloud)) {
    if (request.method === 'GET' || request.method === 'POST') progress.request('sourcePage');
  }
  for (const request of emulators.assets.requests.slice(from.assets)) {
    const seen = classifyRequest(request.method, request.path, {});
    if (seen) progress.request(seen.kind);
  }
  return progress;
}

/**
 * Waits for `drained` (the queue delivering the run's slices), telling `progress` every second
 * how far the run got (its stored record, and the emulators' requests); resolves to the final
 * record.
 */
async function followRun(invoke, importId, runId, drained, progress, emulators, from) {
  const record = async () => (await invoke('listRuns', { importId })).find((run) => run.runId === runId);
  let finished = false;
  const watching = (async () => {
    while (!finished) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (finished) break;
      const run = await record().catch(() => null);
      const seen = sandboxProgress(emulators, from);
      if (run) seen.record(run);
      if (!finished) progress(`First sync: ${seen.line()}`);
    }
  })();
  try {
    await drained;
  } finally {
    finished = true;
    await watching;
  }
  return record();
}

/** One line per count of a run record, for the terminal. */
export function describeRun(run) {
  if (!run) return 'the first sync did not record a run';
  const c = run.counts ?? {};
  const lines = [
    `First sync: ${run.status} — created ${c.created ?? 0}, updated ${c.updated ?? 0}, unchanged ${c.unchanged ?? 0},` +
      ` marked ${c.marked ?? 0}, deleted ${c.deleted ?? 0}, failed ${c.failed ?? 0}`,
  ];
  if (run.message) lines.push(run.message);
  const problems = run.errors ?? [];
  if (problems.length) {
    lines.push(`${problems.length} record problem(s), e.g.: ${problems.slice(0, 3).map((e) => `${e.key ?? ''} ${e.message}`).join('; ')}`);
  }
  return lines.join('\n');
}
