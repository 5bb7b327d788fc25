// Shared helpers for the emulator tests (not a test file itself).
import { startJumpCloudEmulator } from '../../dev/emulators/jumpcloud.js';
import { startAssetsEmulator } from '../../dev/emulators/assets.js';

export const API_KEY = 'test-key-not-a-secret';
export const EMAIL = 'admin@example.test';
export const TOKEN = 'test-token-not-a-secret';
export const BASIC = `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`;

/** Starts a JumpCloud emulator and returns it with a `get(path, init)` helper -> {status, headers, body}. */
export async function jumpCloud(options = {}) {
  const jc = await startJumpCloudEmulator({ apiKey: API_KEY, tenant: { seed: 7, users: 40 }, ...options });
  jc.call = async (path, { method = 'GET', body, headers = {} } = {}) => {
    const response = await fetch(jc.url + path, {
      method,
      headers: { 'x-api-key': API_KEY, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  return jc;
}

/** Starts an Assets emulator with Basic auth and returns it with `call(method, path, body)` on the v1 base. */
export async function assets(options = {}) {
  const as = await startAssetsEmulator({ auth: { email: EMAIL, apiToken: TOKEN }, ...options });
  as.raw = async (method, path, body, headers = { authorization: BASIC }) => {
    const response = await fetch(as.url + path, {
      method,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  as.call = (method, path, body) => as.raw(method, `/jsm/assets/workspace/${as.workspaceId}/v1${path}`, body);
  /** Attribute ids of the demo User/Device/... types by name. */
  as.demo = () => {
    const types = Object.fromEntries([...as.state.objectTypes.values()].map((t) => [t.name, t]));
    const attrs = (typeName) => Object.fromEntries(as.state.attributesOf(types[typeName].id).map((a) => [a.name, a.id]));
    return { types, attrs };
  };
  return as;
}

/** Body for object create/update: `values({attrId: 'x' | ['a','b']})`. */
export function attributesBody(objectTypeId, values) {
  return {
    objectTypeId: String(objectTypeId),
    attributes: Object.entries(values).map(([id, v]) => ({
      objectTypeAttributeId: String(id),
      objectAttributeValues: [].concat(v).map((value) => ({ value })),
    })),
  };
}
