// Shared pieces of the end-to-end tests: counting what the app wrote to the Assets emulator,
// the CLI's environment for the emulators, and running the CLI against a fresh pair of them.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { FaultPlan, startEmulators } from '../../dev/emulators/index.js';

const cli = fileURLToPath(new URL('../../src-js/cli/main.js', import.meta.url));
export const API_KEY = 'cli-test-jumpcloud-key';
const EMAIL = 'sync-bot@example.test';
export const TOKEN = 'cli-test-api-token';

/** Writes the app sent to Assets since `from` (an index into the emulator's request log). */
export function assetsWrites(assets, from = 0) {
  const writes = { create: 0, update: 0, delete: 0 };
  for (const request of assets.requests.slice(from)) {
    if (request.method === 'POST' && /\/object\/create$/.test(request.path)) writes.create += 1;
    else if (request.method === 'PUT' && /\/object\/\d+$/.test(request.path)) writes.update += 1;
    else if (request.method === 'DELETE' && /\/object\/\d+$/.test(request.path)) writes.delete += 1;
  }
  return writes;
}

/** The objects of one type in the emulator's state, by the value of their key attribute. */
export function objectsByKey(assets, typeName, keyAttribute = 'JumpCloud ID') {
  const ws = assets.state;
  const type = [...ws.objectTypes.values()].find((t) => t.name === typeName);
  const keyAttr = [...ws.attributes.values()].find((a) => a.objectTypeId === type.id && a.name === keyAttribute);
  const map = new Map();
  for (const object of ws.objects.values()) {
    if (object.objectTypeId !== type.id) continue;
    const key = object.values.get(keyAttr.id)?.[0];
    if (key !== undefined) map.set(key, object);
  }
  return map;
}

/** The stored values of `attributeName` on an emulator object. */
export function valuesOf(assets, object, attributeName) {
  const attribute = [...assets.state.attributes.values()]
    .find((a) => a.objectTypeId === object.objectTypeId && a.name === attributeName);
  return object.values.get(attribute.id) ?? [];
}

/** The CLI's environment with every API pointed at its emulator; `extra` adds or overrides. */
export function emulatorEnv(emulators, { apiKey, email, apiToken }, extra = {}) {
  return {
    JUMPCLOUD_API_KEY: apiKey,
    JUMPCLOUD_BASE_URL: emulators.jumpCloud.url,
    JIRA_SITE: 'tributary-test.atlassian.net',
    JIRA_BASE_URL: emulators.assets.url,
    ASSETS_BASE_URL: emulators.assets.url,
    JIRA_EMAIL: email,
    JIRA_API_TOKEN: apiToken,
    ...extra,
  };
}

/** Runs the CLI; resolves to {code, stdout, stderr, json?}. `onStart(child)` may kill it. */
export function tributary(args, env, { onStart } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let json;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code, signal, stdout, stderr, json });
    });
    onStart?.(child);
  });
}

/**
 * Both emulators (Assets with Basic auth only), a state directory, and the CLI's `env`.
 * `schemas` is the Assets emulator's starting schema (`demo`, or `empty`); `orgId` makes the
 * JumpCloud key a multi-tenant one.
 */
export async function world({ users = 60, seed = 3, assetsFaults, jumpCloudFaults, schemas = 'demo', orgId } = {}) {
  const emulators = await startEmulators({
    seed, users, apiKey: API_KEY,
    jumpCloud: { ...(jumpCloudFaults ? { faults: new FaultPlan(jumpCloudFaults) } : {}), ...(orgId ? { orgId } : {}) },
    assets: {
      auth: { email: EMAIL, apiToken: TOKEN }, allowAppCalls: false, schemas,
      ...(assetsFaults ? { faults: new FaultPlan(assetsFaults) } : {}),
    },
  });
  const stateDir = await mkdtemp(join(tmpdir(), 'tributary-cli-state-'));
  const env = emulatorEnv(emulators, { apiKey: API_KEY, email: EMAIL, apiToken: TOKEN }, { TRIBUTARY_STATE_DIR: stateDir });
  return {
    ...emulators,
    env,
    async close() {
      await emulators.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Writes a mapping text to `dir/name`; resolves to its path. */
export async function mappingFile(dir, name, text) {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}
