// The CLI's commands. Each takes node:util parseArgs output and returns an exit code.
import { readFile, writeFile } from 'node:fs/promises';

import * as core from '../core/index.js';
import { ConfigError, UsageError } from './errors.js';
import { schemaCommands } from './schema-command.js';
import { syncCommands } from './sync-commands.js';
import { decodeUtf8 } from './utf8.js';

async function readBytes(path, what) {
  try {
    return await readFile(path);
  } catch (error) {
    throw new ConfigError(`cannot read ${what} '${path}': ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  }
}

/** A text file, decoded strictly as UTF-8: a bad byte is a configuration error (exit 2). */
async function readText(path, what) {
  const { text, error } = decodeUtf8(await readBytes(path, what));
  if (error) {
    const hex = error.byte.toString(16).toUpperCase().padStart(2, '0');
    throw new ConfigError(
      `${what} '${path}' is not valid UTF-8: byte 0x${hex} at offset ${error.offset} (line ${error.line}, column ${error.column}); save it as UTF-8`,
    );
  }
  return text;
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
  ...syncCommands({ readText }),
  ...schemaCommands({ readText }),

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
      // `{diagnostics, omitted, errors, warnings}`: the first 200, the count of the rest, totals.
      const validation = callCore(() => core.validate(text, attributesJson));
      if (values.json) {
        process.stdout.write(`${JSON.stringify(validation, null, 2)}\n`);
      } else if (validation.diagnostics.length > 0) {
        process.stdout.write(callCore(() => core.renderDiagnostics(text, file, attributesJson)));
      }
      return validation.errors > 0 ? 1 : 0;
    },
  },

  format: {
    options: { write: { type: 'boolean' }, fix: { type: 'boolean' }, attributes: { type: 'string' } },
    async run({ values, positionals }) {
      const file = onePositional(positionals, 'mapping file');
      const text = await readText(file, 'mapping file');
      if (values.attributes && !values.fix) throw new UsageError('--attributes is for --fix');
      const attributesJson = values.attributes ? await readText(values.attributes, 'attributes file') : undefined;
      let formatted;
      if (values.fix) {
        const fixed = callCore(() => core.fixMapping(text, attributesJson));
        formatted = fixed.text;
        process.stderr.write(`tributary: applied ${fixed.applied} fix${fixed.applied === 1 ? '' : 'es'}\n`);
      } else {
        formatted = callCore(() => core.format(text));
      }
      if (values.write) {
        if (formatted !== text) await writeFile(file, formatted);
      } else {
        process.stdout.write(formatted);
      }
      return 0;
    },
  },
};

commands.sandbox = {
  options: {
    port: { type: 'string' },
    'jumpcloud-port': { type: 'string' },
    'assets-port': { type: 'string' },
    users: { type: 'string' },
    seed: { type: 'string' },
    once: { type: 'boolean' },
  },
  async run({ values, positionals }) {
    if (positionals.length) throw new UsageError('sandbox takes no file');
    const number = (flag, fallback, min = 0) => {
      const text = values[flag];
      if (text === undefined) return fallback;
      const n = Number(text);
      if (!Number.isInteger(n) || n < min || n > 65535) throw new UsageError(`--${flag} must be a whole number (got '${text}')`);
      return n;
    };
    // Loaded on demand: the sandbox brings the local Forge runtime, which must come first.
    const { startSandbox, describeRun } = await import('../../dev/sandbox/index.js');
    const say = (line) => process.stdout.write(`${line}\n`);
    const sandbox = await startSandbox({
      port: number('port', values.once ? 0 : 8400),
      jumpCloudPort: number('jumpcloud-port', values.once ? 0 : 8401),
      assetsPort: number('assets-port', values.once ? 0 : 8402),
      users: number('users', 300, 1),
      seed: number('seed', 1),
      log: say,
    });
    say(describeRun(sandbox.firstRun));
    if (values.once) {
      await sandbox.close();
      return sandbox.firstRun?.status === 'succeeded' ? 0 : 1;
    }
    say(`\nSettings page: ${sandbox.pageUrl}\nPress Ctrl-C to stop.`);
    await new Promise((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    say('\nStopping…');
    await sandbox.close();
    return 0;
  },
};
