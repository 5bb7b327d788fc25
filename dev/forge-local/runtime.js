// The local Forge platform: loads the app's handlers (source or Forge-bundled), invokes them the
// way Forge does (resolver calls, scheduled-trigger ticks, queue deliveries) within Forge's time
// limits, and serves the platform calls the real @forge/* packages make from inside.
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { EgressPolicy } from './egress.js';
import { ExternalEndpointNotAllowedError, ForgeInvocationError, ForgeRuntimeConfigError } from './errors.js';
import { currentInvocation, installForgeGlobals, platformFetch, runInInvocation } from './globals.js';
import { KvsStore } from './kvs.js';
import { LIMITS, loadManifest } from './manifest.js';
import { QueueService } from './queue.js';
import { requiredScopes, scopeRefusal } from './scopes.js';

const requireCjs = createRequire(import.meta.url);

/** Documented payload limits (limits-invocation). */
export const PAYLOAD_LIMITS = Object.freeze({
  invokeRequestBytes: 500 * 1024,
  invokeResponseBytes: 5 * 1024 * 1024,
  logBytesPerInvocation: 200 * 1024,
  egressPerRuntimeMinute: 100,
});

const HISTORY = 1000;
const LOG_HISTORY = 20000;
const noopMetrics = {
  counter: () => ({ incr() {}, decr() {} }),
  timing: () => ({ measure: () => ({ stop() {} }) }),
  gauge: () => ({ set() {} }),
};
const realClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};

function jsonResponse(status, body, headers = {}) {
  const noBody = status === 204 || body === '' || body === undefined;
  return new Response(noBody ? null : JSON.stringify(body), {
    status,
    headers: { ...(noBody ? {} : { 'content-type': 'application/json' }), 'x-trace-id': randomUUID(), ...headers },
  });
}

function parseBody(init) {
  if (init.body === undefined || init.body === null) return undefined;
  try {
    return JSON.parse(typeof init.body === 'string' ? init.body : Buffer.from(init.body).toString('utf8'));
  } catch {
    return undefined;
  }
}

function pushBounded(list, item, max) {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

/**
 * Creates a local Forge runtime for one app installation.
 *
 * @param {object} options
 * @param {string} [options.appDir] app root (manifest.yml, src/); defaults to the manifest's folder or cwd
 * @param {object|string} [options.manifest] parsed manifest.yml or its path; defaults to appDir/manifest.yml
 * @param {object|string} [options.handlers] module object, a path to a handler file (src/index.js,
 *   bundled index.cjs), a bundle output directory, or a map {moduleName: module|path}
 * @param {string} [options.jiraBaseUrl] where requestJira goes (the Jira/Assets emulator)
 * @param {Record<string,string>} [options.egress] allowed origin -> local base URL
 * @param {string} [options.kvsFile] JSON file the KVS persists to (in memory when absent)
 * @param {string} [options.cloudId]
 * @param {string} [options.installContext] defaults to ari:cloud:jira::site/<cloudId>
 * @param {{now():number, setTimeout(fn,ms):any, clearTimeout(h):void}} [options.clock]
 * @param {number} [options.timeScale] multiplies every time limit (tests use e.g. 0.001)
 * @param {Record<string, number>} [options.timeoutSeconds] function key -> the time limit its
 *   scheduled-trigger and consumer invocations get instead of the manifest's timeoutSeconds
 *   (tests: a consumer killed after a few seconds while resolvers keep their 25 s)
 * @param {{duplicateRate?:number, seed?:number, maxAttempts?:number, eventsPerMinute?:number}} [options.queue]
 * @param {(who:{asUser:boolean, accountId?:string}) => Record<string,string>} [options.productAuth]
 *   headers that say who calls jiraBaseUrl; default: none for the app, x-emulator-account-id for a user
 * @param {boolean} [options.allowUnknownJiraRoutes] let Jira routes with no scope entry through
 * @param {boolean} [options.echoLogs] also print captured console output
 * @returns {Promise<ForgeRuntime>}
 */
export async function createForgeRuntime(options = {}) {
  installForgeGlobals();
  const runtime = new ForgeRuntime(options);
  await runtime.loadHandlers();
  return runtime;
}

export class ForgeRuntime {
  constructor({
    appDir,
    manifest,
    handlers,
    jiraBaseUrl,
    egress = {},
    kvsFile,
    cloudId = 'local-cloud-0000',
    installContext,
    clock = realClock,
    timeScale = 1,
    timeoutSeconds = {},
    queue = {},
    productAuth,
    allowUnknownJiraRoutes = false,
    echoLogs = false,
  }) {
    const manifestSource = manifest ?? join(appDir ?? process.cwd(), 'manifest.yml');
    this.appDir = resolve(appDir ?? (typeof manifestSource === 'string' ? dirname(manifestSource) : process.cwd()));
    this.manifest = loadManifest(manifestSource);
    this.handlersOption = handlers;
    this.jiraBaseUrl = jiraBaseUrl?.replace(/\/$/, '');
    this.egress = new EgressPolicy(this.manifest.egressBackend, egress);
    this.clock = clock;
    if (!(timeScale > 0)) throw new ForgeRuntimeConfigError(`timeScale must be a positive number; got ${timeScale}`);
    this.timeScale = timeScale;
    this.timeoutOverrides = timeoutSeconds;
    this.cloudId = cloudId;
    this.installContext = installContext ?? `ari:cloud:jira::site/${cloudId}`;
    this.environmentId = 'local-environment';
    this.installationId = `local-installation-${cloudId}`;
    this.kvs = new KvsStore({ file: kvsFile, now: () => clock.now() });
    this.queue = new QueueService({ manifest: this.manifest, now: () => clock.now(), ...queue });
    // Default: the convention of dev/emulators/assets.js (no Authorization = the app; the
    // user's account in x-emulator-account-id).
    this.productAuth = productAuth ?? (({ asUser, accountId }) => (asUser ? { 'x-emulator-account-id': accountId } : {}));
    this.allowUnknownJiraRoutes = allowUnknownJiraRoutes;
    this.echoLogs = echoLogs;
    /** Finished invocations, newest last: {id, kind, functionKey, moduleKey, status, durationMs, error?}. */
    this.invocations = [];
    /** Captured console lines: {invocationId, functionKey, level, message}. */
    this.logs = [];
    /** Outbound requests (no headers, no bodies: they may hold secrets): {invocationId, kind, method, url, status}. */
    this.requests = [];
    /** @type {Map<string, Function>} handler reference -> function */
    this.handlerCache = new Map();
  }

  // ---- handlers ----------------------------------------------------------------------------

  /** Loads every handler the manifest names, so a bad reference fails at start, not mid-test. */
  async loadHandlers() {
    for (const fn of this.manifest.functions.values()) await this.#handlerFor(fn);
  }

  async #loadModuleFile(file, handlerRef) {
    const abs = resolve(this.appDir, file);
    if (!existsSync(abs)) throw new ForgeRuntimeConfigError(`handler file ${abs} (for ${handlerRef}) does not exist`);
    if (statSync(abs).isDirectory()) {
      const loader = join(abs, '__forge__.cjs');
      if (existsSync(loader)) return { viaLoader: requireCjs(loader) };
      return this.#loadModuleFile(join(abs, `${handlerRef.split('.')[0]}.cjs`), handlerRef);
    }
    if (extname(abs) === '.cjs') {
      // Forge-bundled output: go through the runtime loader next to it, as Forge does.
      const loader = join(dirname(abs), '__forge__.cjs');
      if (existsSync(loader)) return { viaLoader: requireCjs(loader) };
      return requireCjs(abs);
    }
    return import(pathToFileURL(abs).href);
  }

  async #moduleFor(moduleName, handlerRef) {
    const h = this.handlersOption;
    if (h === undefined) return this.#loadModuleFile(join('src', `${moduleName}.js`), handlerRef);
    if (typeof h === 'string') return this.#loadModuleFile(h, handlerRef);
    if (h && typeof h === 'object' && moduleName in h && typeof h[moduleName] !== 'function') {
      const entry = h[moduleName];
      return typeof entry === 'string' ? this.#loadModuleFile(entry, handlerRef) : entry;
    }
    return h;
  }

  async #handlerFor(fn) {
    const cached = this.handlerCache.get(fn.handler);
    if (cached) return cached;
    const mod = await this.#moduleFor(fn.module, fn.handler);
    let handler;
    if (mod?.viaLoader) {
      handler = mod.viaLoader.getHandler(fn.handler);
    } else {
      handler = mod?.[fn.exportName] ?? mod?.default?.[fn.exportName];
    }
    if (typeof handler !== 'function') {
      throw new ForgeRuntimeConfigError(
        `function "${fn.key}" has handler ${fn.handler}, but module "${fn.module}" exports no function "${fn.exportName}"`,
      );
    }
    this.handlerCache.set(fn.handler, handler);
    return handler;
  }

  // ---- invocations -------------------------------------------------------------------------

  #backendPayload(accountId) {
    return {
      principal: accountId ? { accountId } : undefined,
      installContext: this.installContext,
      installation: { ari: { installationId: this.installationId }, contexts: [{ cloudId: this.cloudId }] },
      license: undefined,
    };
  }

  #runtimeGlobal(invocation) {
    return {
      appContext: {
        appId: this.manifest.appId.replace(/^ari:cloud:ecosystem::app\//, ''),
        appVersion: '1.0.0',
        environmentId: this.environmentId,
        environmentType: 'DEVELOPMENT',
        invocationId: invocation.id,
        installationId: this.installationId,
        moduleKey: invocation.moduleKey,
        license: undefined,
        installation: undefined,
        permissions: { scopes: this.manifest.scopes, external: this.manifest.raw.permissions?.external ?? {} },
      },
      lambdaContext: { getRemainingTimeInMillis: () => Math.max(0, invocation.deadline - this.clock.now()) },
      metrics: noopMetrics,
      proxy: { token: 'forge-local-proxy-token', url: 'http://forge-local.invalid' },
      tracing: { traceId: invocation.id.replace(/-/g, '').slice(0, 16), spanId: invocation.id.replace(/-/g, '').slice(16, 32) },
      externalAuth: [],
      contextAri: this.installContext,
    };
  }

  /**
   * Runs one function invocation under Forge's rules; returns its value or throws
   * ForgeInvocationError (FUNCTION_ERR when it threw, FUNCTION_TIME_OUT when it ran too long).
   */
  async #invoke({ fn, kind, moduleKey, args, limitSeconds, accountId, chain }) {
    const handler = await this.#handlerFor(fn);
    const limitMs = Math.max(1, Math.round(limitSeconds * 1000 * this.timeScale));
    const startedAt = this.clock.now();
    const invocation = {
      id: randomUUID(),
      platform: this,
      kind,
      functionKey: fn.key,
      moduleKey,
      principal: accountId ? { accountId } : undefined,
      deadline: startedAt + limitMs,
      ended: false,
      logBytes: 0,
      chain: chain ?? { pushes: 0 },
      egressCount: 0,
      egressLimit: PAYLOAD_LIMITS.egressPerRuntimeMinute * Math.max(1, Math.ceil(limitSeconds / 60)),
    };
    invocation.runtimeGlobal = this.#runtimeGlobal(invocation);

    const TIMED_OUT = Symbol('timed out');
    let timer;
    const timeout = new Promise((done) => {
      timer = this.clock.setTimeout(() => done(TIMED_OUT), limitMs);
    });
    const work = runInInvocation(invocation, async () => handler(...args)).then(
      (value) => ({ value }),
      (error) => ({ error }),
    );
    let outcome;
    try {
      outcome = await Promise.race([work, timeout]);
    } finally {
      this.clock.clearTimeout(timer);
      // A timed-out handler may still be running in this process; its later platform calls are refused.
      invocation.ended = true;
    }
    const record = { id: invocation.id, kind, functionKey: fn.key, moduleKey, durationMs: this.clock.now() - startedAt };
    if (outcome === TIMED_OUT) {
      pushBounded(this.invocations, { ...record, status: 'timeout' }, HISTORY);
      throw new ForgeInvocationError(
        'FUNCTION_TIME_OUT',
        `${kind} function "${fn.key}" timed out after ${limitSeconds} s` + (this.timeScale !== 1 ? ` (scaled to ${limitMs} ms)` : ''),
        { invocation: record },
      );
    }
    if ('error' in outcome) {
      const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
      pushBounded(this.invocations, { ...record, status: 'error', error: message }, HISTORY);
      throw new ForgeInvocationError('FUNCTION_ERR', `${kind} function "${fn.key}" failed: ${message}`, {
        cause: outcome.error,
        invocation: record,
      });
    }
    pushBounded(this.invocations, { ...record, status: 'ok' }, HISTORY);
    return outcome.value;
  }

  /**
   * Calls a resolver function as `invoke(functionName, payload)` from @forge/bridge would, from
   * the UI module `moduleKey`. 25 s limit; request ≤ 500 KB, response ≤ 5 MB, JSON on the wire.
   * @returns {Promise<unknown>} the resolver's (JSON-round-tripped) return value
   */
  async invokeResolver(moduleKey, functionName, payload = {}, { accountId, extension = {} } = {}) {
    const { type, fn } = this.manifest.resolverFunction(moduleKey);
    const requestText = JSON.stringify(payload ?? {});
    if (Buffer.byteLength(requestText) > PAYLOAD_LIMITS.invokeRequestBytes) {
      throw new ForgeInvocationError(
        'PAYLOAD_TOO_LARGE',
        `invoke("${functionName}") payload is ${Buffer.byteLength(requestText)} bytes; Forge accepts at most 500 KB from the front end`,
      );
    }
    const request = {
      call: { functionKey: functionName, payload: JSON.parse(requestText), jobId: undefined },
      context: {
        accountId,
        cloudId: this.cloudId,
        localId: `${moduleKey}-local`,
        moduleKey,
        siteUrl: `https://${this.cloudId}.atlassian.net`,
        environmentId: this.environmentId,
        environmentType: 'DEVELOPMENT',
        extension: { type, ...extension },
      },
    };
    const value = await this.#invoke({
      fn,
      kind: 'resolver',
      moduleKey,
      args: [request, this.#backendPayload(accountId)],
      limitSeconds: LIMITS.resolverSeconds,
      accountId,
    });
    if (value === undefined) return undefined;
    const responseText = JSON.stringify(value);
    if (Buffer.byteLength(responseText) > PAYLOAD_LIMITS.invokeResponseBytes) {
      throw new ForgeInvocationError('PAYLOAD_TOO_LARGE', `resolver "${functionName}" returned more than 5 MB`);
    }
    return JSON.parse(responseText);
  }

  /** The time limit of an async invocation of `fn`: the override given, else the manifest's. */
  #asyncLimit(fn) {
    return this.timeoutOverrides[fn.key] ?? this.manifest.asyncTimeoutSeconds(fn);
  }

  /** Fires a scheduledTrigger once; its function's timeoutSeconds (default 55 s) applies. No retry. */
  async tickScheduledTrigger(triggerKey) {
    const { fn } = this.manifest.scheduledTrigger(triggerKey);
    const event = { context: { cloudId: this.cloudId, moduleKey: triggerKey }, contextToken: 'forge-local-context-token' };
    return this.#invoke({
      fn,
      kind: 'scheduledTrigger',
      moduleKey: triggerKey,
      args: [event, this.#backendPayload(undefined)],
      limitSeconds: this.#asyncLimit(fn),
    });
  }

  /** Calls any declared function with `(payload, {principal, installContext, ...})`; 55 s unless given. */
  async invokeFunction(functionKey, payload = {}, { accountId, timeoutSeconds } = {}) {
    const fn = this.manifest.requireFunction(functionKey, 'invokeFunction');
    return this.#invoke({
      fn,
      kind: 'function',
      moduleKey: functionKey,
      args: [payload, this.#backendPayload(accountId)],
      limitSeconds: timeoutSeconds ?? this.#asyncLimit(fn),
      accountId,
    });
  }

  /**
   * Delivers queued async events to their consumers, at least once: a consumer that throws, times
   * out or returns an InvocationError gets the event again (retryContext filled) after a backoff.
   * @param {{maxEvents?: number, includeDelayed?: boolean, queueName?: string}} [options]
   *   includeDelayed: deliver events whose delay or backoff has not elapsed yet (skips the wait)
   */
  async deliverQueue({ maxEvents = 100, includeDelayed = false, queueName } = {}) {
    const summary = { delivered: 0, succeeded: 0, duplicated: 0, retrying: 0, dropped: 0, results: [], remaining: 0 };
    for (let i = 0; i < maxEvents; i++) {
      const pending = this.queue.take({ includeDelayed, queueName });
      if (!pending) break;
      const found = this.manifest.consumerFor(pending.queueName);
      let outcome;
      let error;
      try {
        const value = await this.#invoke({
          fn: found.fn,
          kind: 'consumer',
          moduleKey: found.consumer.key,
          args: [this.queue.asyncEvent(pending), this.#backendPayload(undefined)],
          limitSeconds: this.#asyncLimit(found.fn),
          chain: pending.chain,
        });
        if (value && typeof value === 'object' && value._retry === true) {
          const opts = value.retryOptions ?? {};
          outcome = { ok: false, reason: opts.retryReason ?? 'FUNCTION_RETRY_REQUEST', retryAfterSeconds: opts.retryAfter, retryData: opts.retryData };
        } else {
          outcome = { ok: true };
        }
      } catch (err) {
        if (!(err instanceof ForgeInvocationError)) throw err;
        error = err.message;
        // App-level errors (runtime error, time out) are retried within the retention window.
        outcome = { ok: false, reason: err.code };
      }
      const settled = this.queue.settle(pending, outcome);
      summary.delivered += 1;
      summary[settled] += 1;
      summary.results.push({
        eventId: pending.eventId,
        jobId: pending.jobId,
        queueName: pending.queueName,
        attempt: pending.attempts,
        outcome: settled,
        ...(outcome.ok ? {} : { reason: outcome.reason }),
        ...(error ? { error } : {}),
      });
    }
    summary.remaining = this.queue.pending.length;
    return summary;
  }

  /** Delivers until every queue is empty (delays and backoffs skipped), at most maxDeliveries. */
  async drainQueues({ maxDeliveries = 10_000 } = {}) {
    return this.deliverQueue({ maxEvents: maxDeliveries, includeDelayed: true });
  }

  // ---- platform calls from inside invocations ----------------------------------------------

  /** Serves `__forge_fetch__(target, path, init)`: KVS, product APIs and async events. */
  async platformRequest(invocation, target, path, init) {
    if (invocation.ended) {
      throw new Error(`Forge invocation of "${invocation.functionKey}" has ended (time limit reached); platform call ${path} refused`);
    }
    if (target.type === 'kvs') {
      if (!this.manifest.scopes.includes('storage:app')) {
        return jsonResponse(403, {
          code: 'PERMISSION_DENIED',
          message: 'The app does not declare the storage:app scope in manifest.yml permissions.scopes.',
        });
      }
      // Awaited: a store in another process (the chain benchmark's) answers asynchronously.
      const { status, body } = await this.kvs.handle(path, parseBody(init));
      return jsonResponse(status, body);
    }
    if (target.type === 'fpp' && target.remote === 'jira') return this.#productRequest(invocation, target, path, init);
    if (target.type === 'fpp' && target.remote === 'stargate' && path.startsWith('/webhook/queue/')) {
      const { status, body } = this.queue.handle(path, parseBody(init), invocation);
      return jsonResponse(status, body);
    }
    return jsonResponse(
      404,
      { message: `The local Forge runtime does not emulate ${target.type}/${target.remote ?? ''} ${path}` },
      { 'forge-proxy-error': 'INVALID_REMOTE_ERR' },
    );
  }

  async #productRequest(invocation, target, path, init) {
    const asUser = target.provider === 'user';
    const accountId = asUser ? target.accountId ?? invocation.principal?.accountId : undefined;
    const method = (init.method ?? 'GET').toUpperCase();
    const record = { invocationId: invocation.id, kind: 'product', method, url: path, asUser };
    if (asUser && !accountId) {
      pushBounded(this.requests, { ...record, status: 401 }, HISTORY);
      // No user behind this invocation (e.g. a scheduled trigger): Forge answers NEEDS_AUTHENTICATION_ERR.
      return jsonResponse(401, { message: 'asUser() needs a user; this invocation has none' }, { 'forge-proxy-error': 'NEEDS_AUTHENTICATION_ERR' });
    }
    const granted = this.manifest.scopes;
    let refusal = scopeRefusal(method, path, granted);
    if (!refusal && !this.allowUnknownJiraRoutes && !path.startsWith('/jsm/assets/') && !requiredScopes(method, path).known) {
      refusal =
        `The local Forge runtime has no scope entry for ${method} ${path.split('?')[0]}, so it cannot check it against ` +
        'manifest.yml. Add the route and its scopes (from the Jira REST docs) to dev/forge-local/scopes.js.';
    }
    if (refusal) {
      pushBounded(this.requests, { ...record, status: 403 }, HISTORY);
      return jsonResponse(403, { errorMessages: [refusal] });
    }
    if (!this.jiraBaseUrl) {
      throw new ForgeRuntimeConfigError(`requestJira(${path}) called but the runtime was created without jiraBaseUrl`);
    }
    const headers = new Headers(init.headers ?? {});
    // Forge's proxy authenticates product calls itself; whatever the app put there is replaced.
    headers.delete('authorization');
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    for (const [k, v] of Object.entries(this.productAuth({ asUser, accountId }))) headers.set(k, v);
    // Forge does not follow product redirects (Assets 3xx): the app sees them.
    const response = await platformFetch(`${this.jiraBaseUrl}${path}`, { ...init, headers, redirect: 'manual' });
    pushBounded(this.requests, { ...record, status: response.status }, HISTORY);
    return response;
  }

  /** Serves the global fetch (and @forge/api fetch) inside invocations: egress list, then the local stand-in. */
  async egressFetch(invocation, input, init) {
    if (invocation.ended) {
      throw new Error(`Forge invocation of "${invocation.functionKey}" has ended (time limit reached); fetch refused`);
    }
    const raw = input instanceof Request ? input.url : input instanceof URL ? input.href : String(input);
    let url;
    try {
      url = new URL(raw);
    } catch {
      throw new TypeError(`Failed to parse URL from ${raw}`);
    }
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const record = { invocationId: invocation.id, kind: 'egress', method, url: `${url.origin}${url.pathname}` };
    const decision = this.egress.route(url);
    if (!decision.allowed) {
      pushBounded(this.requests, { ...record, status: 'refused' }, HISTORY);
      throw new ExternalEndpointNotAllowedError(`${url.origin}${url.pathname}`);
    }
    invocation.egressCount += 1;
    if (invocation.egressCount > invocation.egressLimit) {
      pushBounded(this.requests, { ...record, status: 429 }, HISTORY);
      return jsonResponse(429, { message: `Egress limit: ${PAYLOAD_LIMITS.egressPerRuntimeMinute} requests per runtime minute per invocation` });
    }
    if (!decision.local) {
      const err = new Error(
        `local Forge runtime: ${url.origin} is allowed by manifest.yml but has no local stand-in; ` +
          `pass egress: {'${url.origin}': 'http://127.0.0.1:<port>'} to createForgeRuntime`,
      );
      err.name = 'FUNCTION_FETCH_ERR';
      throw err;
    }
    const response =
      input instanceof Request
        ? await platformFetch(new Request(decision.local, input), init)
        : await platformFetch(decision.local, init);
    pushBounded(this.requests, { ...record, status: response.status }, HISTORY);
    return response;
  }

  /** Stores one console line of an invocation (Forge keeps at most 200 KB of logs per invocation). */
  captureLog(invocation, level, message, print) {
    if (invocation.logBytes >= PAYLOAD_LIMITS.logBytesPerInvocation) return;
    invocation.logBytes += Buffer.byteLength(message);
    const line = { invocationId: invocation.id, functionKey: invocation.functionKey, level, message };
    if (invocation.logBytes >= PAYLOAD_LIMITS.logBytesPerInvocation) line.message += ' [log limit of 200 KB reached; later lines dropped]';
    pushBounded(this.logs, line, LOG_HISTORY);
    if (this.echoLogs) print(`[forge ${invocation.functionKey}] ${line.message}`);
  }

  /** All captured log text, one line per console call (for "the secret never appears" checks). */
  logText() {
    return this.logs.map((l) => `${l.level} ${l.functionKey}: ${l.message}`).join('\n');
  }
}

/** The invocation the caller is running in, or undefined outside the local Forge runtime. */
export { currentInvocation };
