#!/usr/bin/env node
// `tributary` — the standalone host: the same WebAssembly core as the Forge app, driven from a
// terminal or a scheduler. Exit codes: 0 success, 1 problems found / records failed / a guard
// stopped the run, 2 usage or configuration errors.
import { parseArgs } from 'node:util';

import { commands } from './commands.js';
import { UsageError } from './errors.js';

const USAGE = `usage: tributary <command> [options]

Commands:
  validate FILE [--attributes ATTRS.json] [--json]   check a mapping text
  format FILE [--write]                              print (or rewrite) the canonical text
  version                                            print the core version
  help                                               this text

Exit codes: 0 ok, 1 problems found, 2 usage or configuration error.`;

async function main(argv) {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const command = commands[name];
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code ?? 0;
  },
  (error) => {
    if (error instanceof UsageError) {
      process.stderr.write(`tributary: ${error.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`tributary: ${error.message}\n`);
      process.exitCode = error.exitCode ?? 2;
    }
  },
);
