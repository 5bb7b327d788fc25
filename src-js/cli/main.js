#!/usr/bin/env node
// `tributary` — the standalone host: the same WebAssembly core as the Forge app, driven from a
// terminal or a scheduler. Exit codes: 0 success, 1 problems found / records failed / a guard
// stopped the run, 2 usage or configuration errors.
import { parseArgs } from 'node:util';

import { UsageError } from './errors.js';
import { COMMAND_HELP, USAGE } from './help.js';

/** The commands, or a clear word when the WebAssembly core has not been built yet. */
async function loadCommands() {
  try {
    return (await import('./commands.js')).commands;
  } catch (error) {
    if (error.code === 'ERR_MODULE_NOT_FOUND' && /core[\\/]generated/.test(error.message)) {
      throw new Error('the WebAssembly core is not built yet: run `npm run build` first');
    }
    throw error;
  }
}

const HELP_FLAGS = new Set(['--help', '-h']);

/** `help`, `help COMMAND`, `COMMAND --help`: the help text asked for, or null. */
function helpAsked([name, ...rest]) {
  if (!name || HELP_FLAGS.has(name)) return USAGE;
  if (name === 'help') {
    if (!rest.length) return USAGE;
    if (!COMMAND_HELP[rest[0]]) throw new UsageError(`unknown command '${rest[0]}'`);
    return COMMAND_HELP[rest[0]];
  }
  // Before `--`, a help flag anywhere asks for the command's help instead of running it.
  const options = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (COMMAND_HELP[name] && options.some((arg) => HELP_FLAGS.has(arg))) return COMMAND_HELP[name];
  return null;
}

/**
 * A reader that went away (`tributary ... | head`) ends the process quietly: nothing more can be
 * written, and a stack trace about it would only be noise.
 */
function endQuietlyOnClosedPipe(stream) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

async function main(argv) {
  const help = helpAsked(argv);
  if (help) {
    process.stdout.write(`${help}\n`);
    return 0;
  }
  const [name, ...rest] = argv;
  const command = (await loadCommands())[name];
  if (!command) {
    throw new UsageError(`unknown command '${name}'`);
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: command.options ?? {}, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error.message);
  }
  return command.run(parsed);
}

endQuietlyOnClosedPipe(process.stdout);
endQuietlyOnClosedPipe(process.stderr);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code ?? 0;
  },
  (error) => {
    if (error instanceof UsageError) {
      const name = process.argv[2];
      const help = COMMAND_HELP[name] && name !== 'help' ? COMMAND_HELP[name] : USAGE;
      process.stderr.write(`tributary: ${error.message}\n\n${help}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`tributary: ${error.message}\n`);
      process.exitCode = error.exitCode ?? 2;
    }
  },
);
