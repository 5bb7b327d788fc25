// Reads manifest.yml and answers the questions the platform asks of it: which function serves a
// module, how long it may run, which scopes and egress hosts the app declared.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

import { ForgeRuntimeConfigError } from './errors.js';

/** Runtime limits from the Forge docs (limits-invocation). */
export const LIMITS = Object.freeze({
  resolverSeconds: 25,
  asyncDefaultSeconds: 55,
  asyncMaxSeconds: 900,
});

const FUNCTION_KEY = /^[a-zA-Z0-9_-]+$/;

/**
 * @param {object|string} manifestOrPath a parsed manifest.yml object or the path of the file
 * @returns {ForgeManifest}
 */
export function loadManifest(manifestOrPath) {
  if (typeof manifestOrPath === 'string') {
    let text;
    try {
      text = readFileSync(manifestOrPath, 'utf8');
    } catch (err) {
      throw new ForgeRuntimeConfigError(`cannot read manifest ${manifestOrPath}: ${err.message}`);
    }
    let parsed;
    try {
      parsed = parseYaml(text);
    } catch (err) {
      throw new ForgeRuntimeConfigError(`manifest ${manifestOrPath} is not valid YAML: ${err.message}`);
    }
    return new ForgeManifest(parsed, manifestOrPath);
  }
  if (manifestOrPath && typeof manifestOrPath === 'object') {
    return new ForgeManifest(manifestOrPath, '<manifest object>');
  }
  throw new ForgeRuntimeConfigError('manifest must be a parsed manifest.yml object or a path to one');
}

export class ForgeManifest {
  constructor(raw, source) {
    if (!raw || typeof raw !== 'object' || !raw.modules || typeof raw.modules !== 'object') {
      throw new ForgeRuntimeConfigError(`${source}: manifest has no "modules" section`);
    }
    this.raw = raw;
    this.source = source;
    this.appId = String(raw.app?.id ?? 'ari:cloud:ecosystem::app/00000000-0000-4000-8000-000000000000');
    /** @type {Map<string, {key:string, handler:string, module:string, exportName:string, timeoutSeconds?:number}>} */
    this.functions = new Map();
    for (const fn of raw.modules.function ?? []) {
      if (!fn?.key || !FUNCTION_KEY.test(fn.key) || fn.key.length > 23) {
        throw new ForgeRuntimeConfigError(
          `${source}: function key ${JSON.stringify(fn?.key)} must match ${FUNCTION_KEY} and be at most 23 characters`,
        );
      }
      const handler = String(fn.handler ?? '');
      const dot = handler.lastIndexOf('.');
      if (dot <= 0 || dot === handler.length - 1) {
        throw new ForgeRuntimeConfigError(
          `${source}: function ${fn.key} has handler ${JSON.stringify(fn.handler)}; expected "<file>.<export>", e.g. index.run`,
        );
      }
      if (fn.timeoutSeconds !== undefined) {
        const t = fn.timeoutSeconds;
        if (!Number.isInteger(t) || t < 1 || t > LIMITS.asyncMaxSeconds) {
          throw new ForgeRuntimeConfigError(
            `${source}: function ${fn.key} has timeoutSeconds ${JSON.stringify(t)}; it must be an integer from 1 to ${LIMITS.asyncMaxSeconds}`,
          );
        }
      }
      this.functions.set(fn.key, {
        key: fn.key,
        handler,
        module: handler.slice(0, dot),
        exportName: handler.slice(dot + 1),
        timeoutSeconds: fn.timeoutSeconds,
      });
    }
  }

  /** @returns {{key:string, handler:string, module:string, exportName:string, timeoutSeconds?:number}} */
  requireFunction(functionKey, why) {
    const fn = this.functions.get(functionKey);
    if (!fn) {
      const known = [...this.functions.keys()].join(', ') || 'none';
      throw new ForgeRuntimeConfigError(
        `${this.source}: ${why} names function "${functionKey}", which modules.function does not declare (declared: ${known})`,
      );
    }
    return fn;
  }

  /** Finds a module of any type (other than `function`) by its key. */
  findModule(moduleKey) {
    for (const [type, list] of Object.entries(this.raw.modules)) {
      if (type === 'function' || !Array.isArray(list)) continue;
      const found = list.find((m) => m?.key === moduleKey);
      if (found) return { type, module: found };
    }
    return undefined;
  }

  /** The function behind a UI module's `resolver.function`. */
  resolverFunction(moduleKey) {
    const found = this.findModule(moduleKey);
    if (!found) throw new ForgeRuntimeConfigError(`${this.source}: no module has key "${moduleKey}"`);
    const fnKey = found.module.resolver?.function;
    if (!fnKey) {
      throw new ForgeRuntimeConfigError(`${this.source}: module "${moduleKey}" (${found.type}) has no resolver.function`);
    }
    return { ...found, fn: this.requireFunction(fnKey, `module "${moduleKey}" resolver`) };
  }

  scheduledTrigger(triggerKey) {
    const trigger = (this.raw.modules.scheduledTrigger ?? []).find((t) => t?.key === triggerKey);
    if (!trigger) {
      const known = (this.raw.modules.scheduledTrigger ?? []).map((t) => t.key).join(', ') || 'none';
      throw new ForgeRuntimeConfigError(`${this.source}: no scheduledTrigger has key "${triggerKey}" (declared: ${known})`);
    }
    return { trigger, fn: this.requireFunction(trigger.function, `scheduledTrigger "${triggerKey}"`) };
  }

  /** The consumer module for a queue, or undefined when none listens to it. */
  consumerFor(queueName) {
    const consumer = (this.raw.modules.consumer ?? []).find((c) => c?.queue === queueName);
    if (!consumer) return undefined;
    if (!consumer.function) {
      throw new ForgeRuntimeConfigError(
        `${this.source}: consumer "${consumer.key}" has no "function" (the @forge/events 1.x resolver form is not supported)`,
      );
    }
    return { consumer, fn: this.requireFunction(consumer.function, `consumer "${consumer.key}"`) };
  }

  /** Time limit of a scheduled-trigger or consumer function: 55 s unless timeoutSeconds says otherwise. */
  asyncTimeoutSeconds(fn) {
    return fn.timeoutSeconds ?? LIMITS.asyncDefaultSeconds;
  }

  /** Scope names, accepting both the list form and the map form (`{scope: {allowImpersonation}}`). */
  get scopes() {
    const scopes = this.raw.permissions?.scopes ?? [];
    return Array.isArray(scopes) ? scopes.map(String) : Object.keys(scopes);
  }

  /** Entries of permissions.external.fetch.backend as address strings. */
  get egressBackend() {
    const entries = this.raw.permissions?.external?.fetch?.backend ?? [];
    return entries.map((e) => (typeof e === 'string' ? e : String(e?.address ?? e?.remote ?? '')));
  }
}
