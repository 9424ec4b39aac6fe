/**
 * Where the infrastructure code finds awf's files, and the app's, at synth time.
 *
 * awf runs either from its TypeScript sources (this repository: `lib/*.ts`) or
 * installed as a package (`node_modules/awf/dist/lib/*.js`). Paths are derived
 * from this module's location, never from the working directory, so `cdk
 * synth`, the tests and the local cloud agree on them whichever folder they
 * are started from, and an app that installs awf bundles awf's own modules
 * from the package.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const THIS_FILE = fileURLToPath(import.meta.url);

/**
 * The folder holding awf's modules (`lib/`, `core/`, `lambdas/`, `adapters/`):
 * the repository root when awf runs from its sources, `dist/` of the package
 * when it is installed.
 */
export const AWF_MODULES_ROOT = resolve(dirname(THIS_FILE), '..');

/** The extension of awf's modules: `.ts` from the sources, `.js` from the compiled package. */
export const AWF_MODULE_EXTENSION = extname(THIS_FILE);

/** The nearest folder at or above `from` that holds `name`; undefined when none does. */
function findUp(name: string, from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, name))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The awf package: the folder of its `package.json` (this repository, or
 * `node_modules/awf` of an app that installed it).
 */
export const AWF_PACKAGE_ROOT = findUp('package.json', AWF_MODULES_ROOT) ?? AWF_MODULES_ROOT;

/** The governed-workflow state machine definition (ASL, JSONPath) with `${Placeholder}`s; shipped with the package. */
export const GOVERNED_WORKFLOW_ASL = join(AWF_PACKAGE_ROOT, 'statemachines', 'governed-workflow.asl.json');

/** The Lambda side: the handler factory `lambdas/step-handler` and the port factories `lambdas/ports/<port>`. */
export const LAMBDAS_DIR = join(AWF_MODULES_ROOT, 'lambdas');

/** The step definitions: `core/steps/<step>/<step>`. */
export const CORE_STEPS_DIR = join(AWF_MODULES_ROOT, 'core', 'steps');

/** Lock files NodejsFunction understands, in the order it prefers them. */
export const LOCK_FILE_NAMES = ['pnpm-lock.yaml', 'yarn.lock', 'bun.lockb', 'bun.lock', 'package-lock.json'];

/** Where the step Lambdas are bundled from. */
export interface BundlingRoot {
  /**
   * esbuild's working directory (mounted as the input of Docker bundling): the
   * app's root, holding its lock file and `node_modules` (with awf in it).
   */
  readonly projectRoot: string;
  /** The lock file the bundles are built against. */
  readonly depsLockFilePath: string;
}

/**
 * The bundling root of a lock file: its folder.
 */
export function bundlingRootOf(depsLockFilePath: string): BundlingRoot {
  const lockFile = resolve(depsLockFilePath);
  return { projectRoot: dirname(lockFile), depsLockFilePath: lockFile };
}

/**
 * The app awf is part of: the nearest folder at or above the awf package that
 * holds a lock file. That is this repository when awf runs from its checkout,
 * and the app that installed it otherwise (a published package carries no
 * lock file). Undefined when there is none.
 */
export function findBundlingRoot(from: string = AWF_PACKAGE_ROOT): BundlingRoot | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const lockFile = LOCK_FILE_NAMES.map((name) => join(dir, name)).find((file) => existsSync(file));
    if (lockFile) return bundlingRootOf(lockFile);
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Folder of the generated Lambda entry files of an app, one per (workflow,
 * step): the app's own cache, `node_modules/.cache/awf/entries/`, never awf's
 * checkout or installed package. It sits at a fixed place under the bundling
 * root, so an entry's relative imports (and so its bundle and asset hash) are
 * the same whatever the cloud assembly's output folder, and Docker bundling,
 * which sees only the bundling root, sees it too.
 */
export function stepEntriesDir(projectRoot: string): string {
  return join(projectRoot, 'node_modules', '.cache', 'awf', 'entries');
}

/**
 * cedar-wasm's WebAssembly module, resolved the way awf's policy code imports
 * cedar-wasm (so it is the copy the bundler embeds). Its Node.js build reads
 * the file from beside its JavaScript at run time, so the bundle of a step that
 * evaluates policies carries a copy.
 */
export function cedarWasmFile(): string {
  const module = createRequire(import.meta.url).resolve('@cedar-policy/cedar-wasm/nodejs');
  return join(dirname(module), 'cedar_wasm_bg.wasm');
}
