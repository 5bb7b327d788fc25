// Transport helpers (the Forge host's) and the host skeleton shared by the hosts. The core
// decides what to request and how to retry; a host with its own transport only moves bytes and
// adds authentication. The CLI's host hands the core credentials and the core sends itself.

/**
 * Converts a fetch-style Response into the plain `{status, headers, body}` the core reads. The
 * body is the response's bytes: the core reads them as UTF-8 itself, so crossing into it is
 * one copy instead of decoding here and encoding again at the boundary.
 */
export async function toCoreResponse(response) {
  const headers = {};
  response.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  return { status: response.status, headers, body: new Uint8Array(await response.arrayBuffer()) };
}

/** Joins a base URL (with or without a trailing slash or path) and an absolute path. */
export function joinUrl(base, path) {
  return `${base.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`;
}

/** JumpCloud authentication headers; the org id only for multi-tenant admins. */
export function jumpcloudAuthHeaders({ apiKey, orgId }) {
  return { 'x-api-key': apiKey, ...(orgId ? { 'x-org-id': orgId } : {}) };
}

/**
 * The host interface the core's sync engine calls (see crates/wasm/src/sync.rs): a host's own
 * `request`, or `credentials` for the core's own fetch transport, and `storage` (`get`, `set`,
 * `delete` of JSON text, `set` with a time to live in ms, and the atomic `create(key, json, ttlMs) → boolean` and
 * `swap(key, json, ttlMs) → previous` the run lease needs), plus the clock, sleeping and logs.
 */
export function coreHost({ request, credentials, storage, log = () => {} }) {
  const host = {
    ...(request ? { request } : {}),
    storageGet: async (key) => (await storage.get(key)) ?? null,
    storageSet: (key, json) => storage.set(key, json),
    storageDelete: (key) => storage.delete(key),
    storageSetExpiring: (key, json, ttlMs) => storage.set(key, json, ttlMs),
    storageCreate: (key, json, ttlMs) => storage.create(key, json, ttlMs),
    storageSwap: async (key, json, ttlMs) => (await storage.swap(key, json, ttlMs)) ?? null,
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log,
  };
  // Not enumerable: printing or serialising the host never shows the credentials.
  if (credentials) Object.defineProperty(host, 'credentials', { value: credentials, enumerable: false });
  return host;
}
