// The CLI's sync commands: sample, preview, sync. The core does the work; this file reads the
// environment, gives the core a Node host, and prints.
import { basename, extname } from 'node:path';

import * as core from '../core/index.js';
import { DirectoryStorage } from '../hosts/file-store.js';
import { EnvError, createNodeHost, defaultStateDir, readEnvConfig } from '../hosts/node-host.js';
import { ConfigError, UsageError } from './errors.js';
import { printPlan, printSummary } from './output.js';
import { observeFetch, progressLine, watchRunRecords } from './progress.js';

function positiveInt(text, flag) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive whole number (got '${text}')`);
  return n;
}

export function configFromEnv(env, needs) {
  try {
    return readEnvConfig(env, needs);
  } catch (error) {
    if (error instanceof EnvError) throw new ConfigError(error.message);
    throw error;
  }
}

/**
 * The Node host for `config`. With `progress` (a terminal's progress line) the run records the
 * engine stores reach it, as do the requests the core sends.
 */
export function hostFor(env, config, progress) {
  // Lease take-overs are said on stderr in every output mode.
  let storage = new DirectoryStorage(defaultStateDir(env), { log: (_, message) => process.stderr.write(`tributary: ${message}\n`) });
  if (progress) storage = watchRunRecords(storage, core.vocabulary().storage.runPrefix, progress.record);
  return createNodeHost({ config, storage, log: progress?.log ?? (() => {}) });
}

/**
 * Runs `work` with a progress line on stderr unless JSON was asked for (then null); the line is
 * drawn only on a terminal, and ended before anything else is printed.
 */
async function withProgress(config, wanted, work) {
  if (!wanted) return work(null);
  // Off a terminal the line draws nothing but still says warnings and errors.
  const progress = progressLine(process.stderr);
  if (!process.stderr.isTTY) return work(progress);
  const restore = observeFetch(
    { jumpcloudBaseUrl: config.jumpcloud?.baseUrl, assetsBaseUrl: config.jira?.assetsBaseUrl },
    { onRequest: progress.request, onSourceBody: progress.sourceBody },
  );
  try {
    return await work(progress);
  } finally {
    restore();
    progress.done();
  }
}

/**
 * Run failures that are configuration mistakes (the mapping, the options, the object type or
 * schema, the key attribute, the missing-objects policy, a site without Assets): exit 2, said
 * before any summary. Service and storage failures are the run's outcome (exit 1).
 */
const CONFIGURATION_FAILURES = new Set(['E101', 'E102', 'E103', 'E104', 'E105', 'E106', 'E107', 'E108']);

/**
 * The mapping's own diagnostics when a run (or an Error from the core) says the mapping is the
 * cause, as a configuration error (exit 2) with the rendered diagnostics; else nothing.
 */
export function mappingFailure(text, file, failure) {
  if (failure?.diagnostics?.length) {
    return new ConfigError(`${failure.message}\n${core.renderDiagnosticsOf(text, file, failure.diagnostics)}`);
  }
  if (CONFIGURATION_FAILURES.has(failure?.code)) return new ConfigError(`${failure.message} [${failure.code}]`);
  return null;
}

const ID_RULE = new RegExp(core.vocabulary().idRule.pattern);

/** Import id for run records and the lease: `--import-id`, else the file's base name. */
function importIdFor(file, values) {
  const id = values['import-id'] ?? basename(file, extname(file));
  if (!ID_RULE.test(id)) {
    throw new UsageError(`--import-id must be letters, digits, '.', '_' or '-' (got '${id}')`);
  }
  return id;
}

function syncOptions(file, text, values, extra) {
  return {
    importId: importIdFor(file, values),
    mappingText: text,
    // Forge's limit of ~100 external requests a minute is a Forge function's; the CLI is not
    // one (JumpCloud publishes no limit, and its 429s still pace the run).
    jumpcloudPerMinute: 0,
    // The state directory has no quota (Forge KVS's is a Forge function's).
    storagePerMinute: 0,
    ...(values['object-schema'] ? { objectSchema: values['object-schema'] } : {}),
    ...(values['object-type'] ? { objectType: values['object-type'] } : {}),
    ...extra,
  };
}

const targetOptions = {
  json: { type: 'boolean' },
  'import-id': { type: 'string' },
  'object-schema': { type: 'string' },
  'object-type': { type: 'string' },
};

/**
 * Exit code of a finished run: 2 when the mapping is the cause of a failure (a configuration
 * error); 0 only when it `succeeded`; 1 for everything else (partial, failed, stopped, busy).
 */
export function exitCodeOf(report) {
  if (report.error?.diagnostics?.length || CONFIGURATION_FAILURES.has(report.error?.code)) return 2;
  return report.status === 'succeeded' ? 0 : 1;
}

export function syncCommands({ readText, env = process.env }) {
  return {
    sample: {
      options: { limit: { type: 'string' }, json: { type: 'boolean' } },
      async run({ values, positionals: [file, ...extra] }) {
        if (!file || extra.length) throw new UsageError('expected exactly one mapping file');
        const limit = values.limit ? positiveInt(values.limit, '--limit') : 5;
        const text = await readText(file, 'mapping file');
        const host = hostFor(env, configFromEnv(env, { jumpcloud: true, jira: false }));
        let result;
        try {
          result = await core.sampleSource(host, { mappingText: text, limit });
        } catch (error) {
          throw mappingFailure(text, file, error) ?? error;
        }
        process.stdout.write(`${JSON.stringify(values.json ? result : result.records, null, 2)}\n`);
        return 0;
      },
    },

    preview: {
      options: targetOptions,
      async run({ values, positionals: [file, ...extra] }) {
        if (!file || extra.length) throw new UsageError('expected exactly one mapping file');
        const text = await readText(file, 'mapping file');
        const config = configFromEnv(env, { jumpcloud: true, jira: true });
        const report = await withProgress(config, !values.json, (progress) =>
          core.previewSync(hostFor(env, config, progress), syncOptions(file, text, values, { dryRun: true })));
        if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else {
          const failure = mappingFailure(text, file, report.error);
          if (failure) throw failure;
          printPlan(report, process.stdout);
        }
        return exitCodeOf(report);
      },
    },

    sync: {
      options: targetOptions,
      async run({ values, positionals: [file, ...extra] }) {
        if (!file || extra.length) throw new UsageError('expected exactly one mapping file');
        const text = await readText(file, 'mapping file');
        const config = configFromEnv(env, { jumpcloud: true, jira: true });
        const report = await withProgress(config, !values.json, async (progress) => {
          const host = hostFor(env, config, progress);
          let options = syncOptions(file, text, values, {});
          let last;
          // The CLI has no invocation limit, but the engine still works in resumable slices.
          for (let slice = 0; slice < 10_000; slice += 1) {
            last = await core.runSync(host, options);
            if (last.status !== 'continue') break;
            options = { ...options, runId: last.runId, resume: true };
          }
          return last;
        });
        if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else {
          const failure = mappingFailure(text, file, report.error);
          if (failure) throw failure;
          printSummary(report, process.stdout);
        }
        return exitCodeOf(report);
      },
    },
  };
}
