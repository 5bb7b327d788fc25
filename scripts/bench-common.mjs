// What the benchmark scripts share: the project root, their command-line options and the
// mapping they run.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const args = process.argv.slice(2);

/** The value after `--name` on the command line, else `fallback`. */
export const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};

/** The benchmark mapping: examples/users.map without its Jira User row (one user search per
 *  email would measure Jira's search, not the core). */
export const BENCH_MAPPING = readFileSync(join(root, 'examples', 'users.map'), 'utf8')
  .split('\n')
  .filter((line) => !/=Jira User\b/.test(line))
  .join('\n');
