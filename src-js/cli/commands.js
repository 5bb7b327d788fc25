// The CLI's commands. Each takes node:util parseArgs output and returns an exit code.
import { readFile, writeFile } from 'node:fs/promises';

import * as core from '../core/index.js';
import { ConfigError, UsageError } from './errors.js';

async function readText(path, what) {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${what} '${path}': ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  }
}

function onePositional(positionals, what) {
  if (positionals.length !== 1) {
    throw new UsageError(`expected exactly one ${what}, got ${positionals.length}`);
  }
  return positionals[0];
}

/** Calls the core, turning its thrown `Error`s (bad attributes JSON, ...) into config errors. */
function callCore(fn) {
  try {
    return fn();
  } catch (error) {
    throw new ConfigError(error.message);
  }
}

export const commands = {
  version: {
    async run() {
      process.stdout.write(`tributary core ${core.coreVersion()}\n`);
      return 0;
    },
  },

  validate: {
    options: { attributes: { type: 'string' }, json: { type: 'boolean' } },
    async run({ values, positionals }) {
      const file = onePositional(positionals, 'mapping file');
      const text = await readText(file, 'mapping file');
      const attributesJson = values.attributes ? await readText(values.attributes, 'attributes file') : undefined;
      const { diagnostics } = callCore(() => core.validate(text, attributesJson));
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ diagnostics }, null, 2)}\n`);
      } else if (diagnostics.length > 0) {
        process.stdout.write(callCore(() => core.renderDiagnostics(text, file, attributesJson)));
      }
      return diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
    },
  },

  format: {
    options: { write: { type: 'boolean' } },
    async run({ values, positionals }) {
      const file = onePositional(positionals, 'mapping file');
      const text = await readText(file, 'mapping file');
      const formatted = callCore(() => core.format(text));
      if (values.write) {
        if (formatted !== text) await writeFile(file, formatted);
      } else {
        process.stdout.write(formatted);
      }
      return 0;
    },
  },
};
