// `tributary setup-schema FILE...`: creates in Assets the object types and attributes the
// mappings need. The core plans and makes the creates; this file reads the files and prints.
import { basename } from 'node:path';

import * as core from '../core/index.js';
import { UsageError } from './errors.js';
import { hostFromEnv, mappingFailure } from './sync-commands.js';

/** Exit code of a set-up: 0 only when everything the mappings need is there. */
export function schemaExitCode(report) {
  if (report.error?.diagnostics?.length) return 2;
  return report.status === 'succeeded' ? 0 : 1;
}

function where(item) {
  return item.attribute ? `${item.objectType}.${item.attribute}` : (item.objectType ?? item.objectSchema);
}

/** The report in words: what was (or would be) created, what was there, what could not be done. */
export function printSchemaReport(report, out) {
  const verb = report.dryRun ? 'would create' : 'created';
  const bySchema = new Map();
  for (const item of report.created) {
    if (!bySchema.has(item.objectSchema)) bySchema.set(item.objectSchema, []);
    bySchema.get(item.objectSchema).push(item);
  }
  for (const [schema, items] of bySchema) {
    out.write(`Object schema ${schema}:\n`);
    for (const item of items) {
      out.write(item.attribute ? `  ${verb} ${where(item)}: ${item.description}\n` : `  ${verb} object type ${item.objectType}\n`);
    }
  }
  if (!report.created.length) out.write(`Nothing to create: ${report.problems.length ? 'see the problems below' : 'every object type and attribute the mappings need is there'}.\n`);
  out.write(`${report.present} already there and fitting.\n`);
  if (report.problems.length) {
    out.write(`\n${report.problems.length} problem(s), left as they are:\n`);
    for (const problem of report.problems) {
      const place = where(problem);
      out.write(`  ${place ? `${place}: ` : ''}${problem.message} (${problem.mappings.join(', ')})\n`);
    }
  }
}

export function schemaCommands({ readText, env = process.env }) {
  return {
    'setup-schema': {
      options: { json: { type: 'boolean' }, 'dry-run': { type: 'boolean' } },
      async run({ values, positionals }) {
        if (!positionals.length) throw new UsageError('expected one or more mapping files');
        const files = [];
        for (const file of positionals) files.push({ file, name: basename(file), text: await readText(file, 'mapping file') });
        const host = hostFromEnv(env, { jumpcloud: false, jira: true });
        const report = await core.setupSchema(host, {
          mappings: files.map(({ name, text }) => ({ name, text })),
          dryRun: !!values['dry-run'],
        });
        if (values.json) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        } else if (report.error) {
          const failing = files.find((f) => f.name === report.mapping);
          const failure = failing && mappingFailure(failing.text, failing.file, report.error);
          if (failure) throw failure;
          process.stderr.write(`tributary: ${report.error.message}\n`);
        } else {
          printSchemaReport(report, process.stdout);
        }
        return schemaExitCode(report);
      },
    },
  };
}
