/** A bad command line: unknown command or flag, missing argument. Exit code 2. */
export class UsageError extends Error {}

/** A configuration problem the user must fix (unreadable file, bad JSON). Exit code 2. */
export class ConfigError extends Error {
  constructor(message) {
    super(message);
    this.exitCode = 2;
  }
}
