// The CLI's help texts: the overview, and one per command (`tributary COMMAND --help`). Kept
// apart from the commands so that help works before the WebAssembly core is built.

export const USAGE = `usage: tributary <command> [options]

Commands:
  validate FILE [--attributes ATTRS.json] [--json]   check a mapping text
  format FILE [--write] [--fix [--attributes A.json]] print (or rewrite) the canonical text;
                                                     --fix applies every fix validate offers
  sample FILE [--limit N] [--json]                   raw JumpCloud records the mapping reads
  preview FILE [--json]                              dry run: what would change, field by field
  sync FILE [--json]                                 run the sync; live progress, summary at the end
  setup-schema FILE... [--dry-run] [--json]          create the object types and attributes the
                                                     mappings need (never changes what exists)
  sandbox [--port N] [--users N]                     local emulators + Forge runtime + settings page
  version                                            print the core version
  help [COMMAND]                                     this text, or one command's

\`tributary COMMAND --help\` explains one command.

preview and sync also take --import-id ID (default: the file's name), --object-schema and
--object-type (default: the mapping's config: lines).

Environment: JUMPCLOUD_API_KEY, JUMPCLOUD_ORG_ID, JUMPCLOUD_REGION (US, EU, IN), JIRA_SITE,
JIRA_EMAIL, JIRA_API_TOKEN; overrides JUMPCLOUD_BASE_URL, JIRA_BASE_URL, ASSETS_BASE_URL;
TRIBUTARY_STATE_DIR (run records and leases; default .tributary).

Exit codes: 0 ok, 1 problems found / records failed / a guard stopped the run,
2 usage or configuration error.`;

const TARGET = `  --import-id ID         names the import's run records and lease (default: the file's name)
  --object-schema NAME   the Assets object schema (default: the mapping's config:objectSchema)
  --object-type NAME     the Assets object type (default: the mapping's config:objectType)
  --json                 print the report as JSON (the shape in docs/sync.md); no progress line`;

const CONNECTION = `Environment: JUMPCLOUD_API_KEY (required), JUMPCLOUD_ORG_ID, JUMPCLOUD_REGION (US, EU, IN)`;
const JIRA = `             JIRA_SITE, JIRA_EMAIL, JIRA_API_TOKEN (required); JIRA_BASE_URL and
             ASSETS_BASE_URL only for an emulator (see the README)`;

/** Each command's own help. */
export const COMMAND_HELP = {
  validate: `usage: tributary validate FILE [--attributes ATTRS.json] [--json]

Checks a mapping text without contacting any service: every problem with its line, column,
a caret under the spot, a hint and the fix when there is one. Says so when the mapping is fine.

  --attributes ATTRS.json  also check names and types against an Assets object type (the body
                           of GET objecttype/{id}/attributes)
  --json                   {diagnostics, omitted, errors, warnings} as JSON

Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 unreadable file or bad arguments.`,

  format: `usage: tributary format FILE [--write] [--fix [--attributes ATTRS.json]]

Prints the mapping in its canonical form (comments kept); formatting twice changes nothing.

  --write                  rewrite FILE instead of printing
  --fix                    first apply every fix validate offers (the count goes to stderr)
  --attributes ATTRS.json  with --fix: the object type's attributes, for the fixes that need them

Exit codes: 0 done, 2 unreadable file or bad arguments.`,

  sample: `usage: tributary sample FILE [--limit N] [--json]

Prints the raw JumpCloud records the mapping reads (its collection and filters), nothing written.

  --limit N   how many records (default 5)
  --json      the records with what was asked of JumpCloud

${CONNECTION}
Exit codes: 0 done, 1 JumpCloud refused, 2 configuration error.`,

  preview: `usage: tributary preview FILE [options]

A dry run: reads JumpCloud and Assets and prints what a sync would create, update (old -> new,
per attribute) and retire, and the records it could not write, without writing anything.

${TARGET}

${CONNECTION}
${JIRA}
Exit codes: 0 a clean plan, 1 problems or a guard would stop the run, 2 configuration error
(before anything is printed).`,

  sync: `usage: tributary sync FILE [options]

Runs the sync. On a terminal a progress line is redrawn while it goes (phase, pages read,
objects planned, writes done / total); it stays off when stderr is not a terminal and with
--json. A summary follows at the end.

${TARGET}

${CONNECTION}
${JIRA}
             TRIBUTARY_STATE_DIR: run records, state and leases (default .tributary)
Exit codes: 0 succeeded, 1 partial, failed, busy or stopped by a guard, 2 configuration error
(the mapping, the object type or the options: said before any summary).`,

  'setup-schema': `usage: tributary setup-schema FILE... [--dry-run] [--json]

Creates, in the object schema each mapping names (config:objectSchema, which must exist), the
object types (config:objectType) and attributes the mappings write, with types from the
JumpCloud fields and the rows (see docs/mapping.md, "Schema set-up"). Nothing that exists is
changed: an attribute of another type is reported and left alone. A second run creates nothing.

  --dry-run   say what would be created, create nothing
  --json      the report: status, created, present, labels, problems

${JIRA.replace('             ', 'Environment: ')}
Exit codes: 0 everything the mappings need is there, 1 something could not be made or does
not fit, 2 a mapping with errors or bad arguments.`,

  sandbox: `usage: tributary sandbox [--port N] [--users N] [--seed N] [--jumpcloud-port N]
                        [--assets-port N] [--once]

Starts emulated JumpCloud and Assets, the local Forge runtime with the real handlers, runs a
first sync of examples/users.map (showing its progress) and serves the settings page on
127.0.0.1 until Ctrl-C.

  --port N            the settings page (default 8400; 0 picks a free port)
  --users N           users in the emulated directory (default 300)
  --seed N            the directory's seed (default 1)
  --jumpcloud-port N  default 8401;  --assets-port N  default 8402
  --once              run the first sync, print it and exit (0 when it succeeded)`,

  version: `usage: tributary version

Prints the version of the WebAssembly core.`,

  help: `usage: tributary help [COMMAND]

Prints the overview, or one command's help (the same as tributary COMMAND --help).`,
};
