#!/usr/bin/env node
// `tributary` — the standalone host: the same WebAssembly core as the Forge app, driven from a
// terminal or a scheduler. Exit codes: 0 success, 1 problems found / records failed / a guard
// stopped the run, 2 usage or configuration errors.
import { parseArgs } from 'node:util';

import { UsageError } from './errors.js';

const USAGE = `usage: tributary <command> [options]

Commands:
  validate FILE [--attributes ATTRS.json] [--json]   check a mapping text
  format FILE [--write] [--fix [--attributes A.json]] print (or rewrite) the canonical text;
                                                     --fix applies every fix validate offers
  sample FILE [--limit N] [--json]                   raw JumpCloud records the mapping reads
  preview FILE [--json]                              dry run: what would change, field by field
  sync FILE [--json]                                 run the sync; summary at the end
  setup-schema FILE... [--dry-run] [--json]          create the object types and attributes the
                                                     mappings need (never changes what exists)
  sandbox [--port N] [--users N]                     local emulators + Forge runtime + settings page
  version                                            print the core version
  help                                               this text

preview and sync also take --import-id ID (default: the file's name), --object-schema and
--object-type (default: the mapping's config: lines).

Environment: JUMPCLOUD_API_KEY, JUMPCLOUD_ORG_ID, JUMPCLOUD_REGION (US, EU, IN), JIRA_SITE,
JIRA_EMAIL, JIRA_API_TOKEN; overrides JUMPCLOUD_BASE_URL, JIRA_BASE_URL, ASSETS_BASE_URL;
TRIBUTARY_STATE_DIR (run records and leases; default .tributary).

Exit codes: 0 ok, 1 problems found / records failed / a guard stopped the run,
2 usage or configuration error.`;

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

async function main(argv) {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
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
