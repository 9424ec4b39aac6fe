/**
 * The `awf` command line; see `awf --help`.
 *
 * Errors print one line, `awf: <what was wrong>`, and exit with status 1.
 */
import { addLocalCommands } from '../cli/commands/local.js';
import { buildProgram } from '../cli/program.js';

// awf supports Node.js 20 with the SDK versions it pins; the SDK's notice that
// future versions will need Node.js 22 is for whoever upgrades those pins, not
// for every command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

try {
  await addLocalCommands(buildProgram()).parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`awf: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
