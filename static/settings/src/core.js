// The Tributary core in the browser: the same WebAssembly the Forge functions run.
//
// The glue is loaded at run time from ../wasm/ (built by scripts/build-wasm.mjs) rather than
// bundled, so a missing or refused module degrades the page instead of breaking it. If the
// browser refuses to compile WebAssembly (a Content-Security-Policy without 'unsafe-eval' /
// 'wasm-unsafe-eval'), diagnostics come from the `validateMapping` resolver instead, which
// runs the same core on the server.

import { call } from './api.js';

const wasmDir = new URL('../wasm/', import.meta.url);

/**
 * Loads the core. Resolves with a `Core` that always works: `mode` is `wasm` when the
 * browser runs the core itself, `server` when diagnostics come from the resolver.
 */
export async function loadCore() {
  try {
    const glue = await import(new URL('tributary_wasm.js', wasmDir).href);
    await glue.default({ module_or_path: new URL('tributary_wasm_bg.wasm', wasmDir) });
    return new Core('wasm', glue, null, glue.vocabulary());
  } catch (error) {
    // The names the page shows come from the same core, run by the server.
    const { vocabulary } = await call('getVersion');
    return new Core('server', null, describeLoadFailure(error), vocabulary);
  }
}

function describeLoadFailure(error) {
  const text = String(error?.message || error);
  if (/Content Security Policy|code generation|disallowed|unsafe-eval/i.test(text)) {
    return 'the browser does not allow WebAssembly on this page, so the server checks the mapping instead';
  }
  return 'the in-browser checker could not be loaded, so the server checks the mapping instead';
}

/** One interface over the wasm exports, feature-detected, with the resolver as fallback. */
export class Core {
  constructor(mode, glue, fallbackReason, vocabulary) {
    this.mode = mode;
    this.glue = glue;
    this.fallbackReason = fallbackReason;
    /** The core's names (schedules, regions, statuses, ...): see `vocabulary()` in the core. */
    this.vocabulary = vocabulary;
  }

  /** Whether the browser-side core has export `name` (builds may lag behind this page). */
  has(name) {
    return Boolean(this.glue && typeof this.glue[name] === 'function');
  }

  /** The core version the page runs, or null when it runs none. */
  version() {
    return this.has('coreVersion') ? this.glue.coreVersion() : null;
  }

  /**
   * Diagnostics for `text` (attribute-aware when `attributesJson` is given).
   * Resolves with `{diagnostics, omitted, source}` (the core gives the first 200; `omitted`
   * counts the rest); rejects with an ApiError only in server mode.
   */
  async validate(text, attributesJson) {
    const shape = (result, source) => ({ diagnostics: result?.diagnostics ?? [], omitted: result?.omitted ?? 0, source });
    if (this.has('validate')) {
      return shape(attributesJson ? this.glue.validate(text, attributesJson) : this.glue.validate(text), 'wasm');
    }
    const payload = attributesJson ? { text, attributesJson } : { text };
    return shape(await call('validateMapping', payload), 'server');
  }

  /** The fields a mapping can read from JumpCloud collection `api` (empty without the core). */
  sourceFields(api) {
    return this.has('sourceFields') ? this.glue.sourceFields(api) : [];
  }

  /** Whether `format` can run (only in the browser; there is no resolver for it). */
  canFormat() {
    return this.has('format');
  }

  /** The canonical layout of `text`; throws the core's Error when the text cannot be parsed. */
  format(text) {
    return this.glue.format(text);
  }

  /** Whether the schedule functions run in the browser (there are no resolvers for them). */
  canSchedule() {
    return this.has('checkSchedule') && this.has('nextScheduledRun');
  }

  /** The schedule as the core reads it; throws the core's Error naming what is wrong. */
  checkSchedule(schedule) {
    return this.glue.checkSchedule(schedule);
  }

  /** When `schedule` runs next (ms since the epoch), or undefined for manual imports. */
  nextScheduledRun(schedule, lastStartedMs, nowMs) {
    return this.glue.nextScheduledRun(schedule, lastStartedMs ?? undefined, nowMs);
  }

  /** Whether a single-record preview can run in the browser. */
  canPreviewRecord() {
    return this.has('preview');
  }

  /** What the mapping makes of one raw JumpCloud record; shape as the core returns it. */
  previewRecord(text, record, attributesJson) {
    return this.glue.preview(text, JSON.stringify(record), attributesJson ?? '[]');
  }
}
