// The page's only way to the backend: resolver calls through @forge/bridge's `invoke`.
//
// @forge/bridge throws while loading when the host has not provided `globalThis.__bridge`
// (the page was opened outside Jira), so it is imported lazily: the page can then say so
// in words instead of staying blank. Every failure becomes an `ApiError` whose message is
// fit to show an admin; payloads are never logged (they can hold the API key).

/** A resolver call that failed; `message` is written for people. */
export class ApiError extends Error {
  constructor(message, { action, cause } = {}) {
    super(message);
    this.name = 'ApiError';
    this.action = action;
    if (cause) this.cause = cause;
  }
}

/** What each resolver call is for, to start an error message ("Could not load the imports: …"). */
const ACTIONS = {
  getVersion: 'read the server version',
  getConnection: 'load the JumpCloud connection',
  saveConnection: 'save the JumpCloud connection',
  testConnection: 'test the JumpCloud connection',
  listSchemas: 'load the Assets object schemas',
  listObjectTypes: 'load the object types of this schema',
  getAttributes: 'load the attributes of this object type',
  listImports: 'load the imports',
  saveImport: 'save the import',
  deleteImport: 'delete the import',
  fetchSample: 'fetch sample records from JumpCloud',
  previewImport: 'preview the import',
  runImport: 'start the run',
  listRuns: 'load the run history',
  getRun: 'follow the run',
  getRunResults: 'load the results of the run',
  runAll: 'start every import',
  cancelRun: 'cancel the run',
  validateMapping: 'check the mapping',
};

let bridgePromise;

function loadBridge() {
  if (!globalThis.__bridge || typeof globalThis.__bridge.callBridge !== 'function') {
    return Promise.reject(new ApiError(
      'This page has no connection to Jira. Open it from Jira: Apps → Manage your apps → Tributary → Configure.',
    ));
  }
  // @forge/bridge is CommonJS; bundled, its exports may sit on the namespace or on `default`.
  bridgePromise ??= import('@forge/bridge').then((mod) => ({
    invoke: mod.invoke ?? mod.default?.invoke,
    view: mod.view ?? mod.default?.view,
  }));
  return bridgePromise;
}

/**
 * Asks Jira to theme the page as it is themed itself (light or dark): Jira sets the
 * `data-color-mode` / `data-theme` attributes that dist/tokens.css keys on. A host that cannot
 * leaves the light theme; the page works either way.
 */
export async function enableTheme() {
  try {
    await (await loadBridge()).view?.theme?.enable();
  } catch {
    // Theming is a nicety: the light tokens stay.
  }
}

/** Whether the host gave this page a bridge to Jira. */
export function hasBridge() {
  return Boolean(globalThis.__bridge && typeof globalThis.__bridge.callBridge === 'function');
}

/**
 * Calls resolver `name` with `payload`. Resolves with its result; rejects with an `ApiError`
 * whose message names what was being done and why it failed, in plain words.
 * `redact` lists strings (such as a just-typed API key) that must never appear in a message.
 */
export async function call(name, payload, { redact = [] } = {}) {
  const action = ACTIONS[name] || `run "${name}"`;
  let bridge;
  try {
    bridge = await loadBridge();
  } catch (error) {
    throw error instanceof ApiError ? error : new ApiError(`Could not ${action}: ${plainReason(error, redact)}`, { action });
  }
  try {
    const result = await bridge.invoke(name, payload);
    // Some resolver styles report failure as data rather than by throwing.
    if (result && typeof result === 'object' && !Array.isArray(result) && typeof result.error === 'string' && result.ok !== true) {
      throw new Error(result.error);
    }
    return result;
  } catch (error) {
    throw new ApiError(`Could not ${action}: ${plainReason(error, redact)}`, { action });
  }
}

/** Turns a thrown value into one readable sentence, without stack traces or secrets. */
export function plainReason(error, redact = []) {
  let text = typeof error === 'string' ? error : error?.message || '';
  // The bridge wraps resolver errors; the wrapper adds nothing an admin can act on.
  text = text.replace(/^\s*There was an error invoking the function\s*-\s*/i, '').trim();
  if (/rate limited|too many invocations/i.test(text)) {
    return 'too many requests in a short time. Wait a few seconds and try again.';
  }
  if (/failed to fetch|networkerror|network error|load failed/i.test(text)) {
    return 'the network request did not complete. Check your connection and try again.';
  }
  if (/timed? ?out|timeout/i.test(text)) {
    return 'the server took too long to answer. Try again; large directories can take a while.';
  }
  // A page newer than the app's functions (mid-deploy): say so, not the runtime's words.
  if (/has no definition for|no resolver named/i.test(text)) {
    return 'this version of the app on your site cannot do that yet. Try again after the app has been updated.';
  }
  if (!text) text = 'the server gave no reason.';
  for (const secret of redact) {
    if (secret && secret.length >= 4) text = text.split(secret).join('••••');
  }
  // Keep one line of a possibly long server message.
  text = text.split('\n')[0];
  if (text.length > 400) text = `${text.slice(0, 400)}…`;
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}
