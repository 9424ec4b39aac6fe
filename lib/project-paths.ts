/**
 * Where the infrastructure code finds the repository's files at synth time.
 *
 * Paths are derived from this module's location rather than the working
 * directory, so `cdk synth`, the tests and the local cloud agree on them
 * whichever folder they are started from.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the folder holding `package.json` and `package-lock.json`. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The lock file NodejsFunction bundles against; it also fixes the bundling root. */
export const LOCK_FILE = join(PROJECT_ROOT, 'package-lock.json');

/** The governed-workflow state machine definition (ASL, JSONPath) with `${Placeholder}`s. */
export const GOVERNED_WORKFLOW_ASL = join(PROJECT_ROOT, 'statemachines', 'governed-workflow.asl.json');

/** Folder of the generated Lambda entry files, one per (workflow, step); ignored by git. */
export const STEP_ENTRIES_DIR = join(PROJECT_ROOT, '.awf', 'build', 'entries');

/** The Lambda side: the handler factory `lambdas/step-handler.ts` and the port factories `lambdas/ports/<port>.ts`. */
export const LAMBDAS_DIR = join(PROJECT_ROOT, 'lambdas');

/** The step definitions: `core/steps/<step>/<step>.ts`. */
export const CORE_STEPS_DIR = join(PROJECT_ROOT, 'core', 'steps');

/**
 * cedar-wasm's WebAssembly module, relative to the project root. Its Node.js
 * build reads the file from beside its JavaScript at run time, so the bundle of
 * a step that evaluates policies carries a copy.
 */
export const CEDAR_WASM_RELATIVE_PATH = 'node_modules/@cedar-policy/cedar-wasm/nodejs/cedar_wasm_bg.wasm';
