// The CLI's sync commands: sample, preview, sync. The core does the work; this file reads the
// environment, gives the core a Node host, and prints.
import { basename, extname } from 'node:path';

import * as core from '../core/index.js';
import { DirectoryStorage } from '../hosts/file-store.js';
import { EnvError, createNodeHost, defaultStateDir, readEnvConfig } from '../hosts/node-host.js';
import { ConfigError, UsageError } from './errors.js';
import { printPlan, printSummary, progressReporter } from './output.js';

function positiveInt(text, flag) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive whole number (got '${text}')`);
  return n;
}

export function hostFromEnv(env, needs, log) {
  let config;
  try {
    config = readEnvConfig(env, needs);
  } catch (error) {
    if (error instanceof EnvError) throw new ConfigError(error.message);
    throw error;
  }
  // Lease take-overs are said on stderr in every output mode.
  const storage = new DirectoryStorage(defaultStateDir(env), { log: (_, message) => process.stderr.write(`tributary: ${message}\n`) });
  return createNodeHost({ config, storage, log });
}

/**
 * The mapping's own diagnostics when a run (or an Error from the core) says the mapping is the
 * cause, as a configuration error (exit 2) with the rendered diagnostics; else nothing.
 */
export function mappingFailure(text, file, failure) {
  if (!failure?.diagnostics?.length) return null;
  return new ConfigError(`${failure.message}\n${core.renderDiagnosticsOf(text, file, failure.diagnostics)}`);
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
  if (report.error?.diagnostics?.length) return 2;
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
        const host = hostFromEnv(env, { jumpcloud: true, jira: false });
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
        const host = hostFromEnv(env, { jumpcloud: true, jira: true });
        const report = await core.previewSync(host, syncOptions(file, text, values, { dryRun: true }));
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
        const progress = values.json ? null : progressReporter(process.stderr);
        const host = hostFromEnv(env, { jumpcloud: true, jira: true }, progress?.log ?? (() => {}));
        let options = syncOptions(file, text, values, {});
        let report;
        // The CLI has no invocation limit, but the engine still works in resumable slices.
        for (let slice = 0; slice < 10_000; slice += 1) {
          report = await core.runSync(host, options);
          progress?.update(report);
          if (report.status !== 'continue') break;
          options = { ...options, runId: report.runId, resume: true };
        }
        progress?.done();
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
