// The engine's storage on Forge KVS. Values are the core's JSON text. The run lease needs two
// atomic operations KVS offers: a create (`keyPolicy: 'FAIL_IF_EXISTS'`) and a swap that
// returns the value it replaced (`returnValue: 'PREVIOUS'`), both with a time to live.
import { kvs } from '@forge/kvs';

// KVS takes whole seconds, at most a year.
const MAX_TTL_SECONDS = 365 * 24 * 3600;
const ttl = (ms) => ({ value: Math.min(MAX_TTL_SECONDS, Math.max(1, Math.ceil(ms / 1000))), unit: 'SECONDS' });

/** Whether KVS refused a FAIL_IF_EXISTS write because the key exists (HTTP 409). */
function isKeyConflict(error) {
  return error?.responseDetails?.status === 409;
}

/**
 * `call`'s result; a refusal for KVS's rate limit (HTTP 429, `RATE_LIMIT_EXCEEDED`) is marked
 * `throttled`, which the core waits out (SyncHost in the core's declarations).
 */
async function marked(call) {
  try {
    return await call();
  } catch (error) {
    if (error?.responseDetails?.status === 429 || error?.code === 'RATE_LIMIT_EXCEEDED') error.throttled = true;
    throw error;
  }
}

export const kvsStore = {
  get: (key) => marked(() => kvs.get(key)),
  set: (key, json, ttlMs) => marked(() => (ttlMs === undefined ? kvs.set(key, json) : kvs.set(key, json, { ttl: ttl(ttlMs) }))),
  delete: (key) => marked(() => kvs.delete(key)),
  create: (key, json, ttlMs) => marked(async () => {
    try {
      await kvs.set(key, json, { keyPolicy: 'FAIL_IF_EXISTS', ttl: ttl(ttlMs) });
      return true;
    } catch (error) {
      if (isKeyConflict(error)) return false;
      throw error;
    }
  }),
  swap: (key, json, ttlMs) => marked(async () => {
    const previous = await kvs.set(key, json, { keyPolicy: 'OVERRIDE', returnValue: 'PREVIOUS', ttl: ttl(ttlMs) });
    return typeof previous?.value === 'string' ? previous.value : null;
  }),
};
