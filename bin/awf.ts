/**
 * The `awf` command line; see `awf --help`.
 *
 * Errors print one line, `awf: <what was wrong>`, and exit with status 1.
 */
import { addLocalCommands } from '../cli/commands/local.js';
import { buildProgram } from '../cli/program.js';

try {
  await addLocalCommands(buildProgram()).parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`awf: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
