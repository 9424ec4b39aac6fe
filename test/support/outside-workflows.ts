/**
 * A workflows folder outside the repository, laid out as a pack author's own
 * project would be: packs under `workflows/`, awf's `core/` and the
 * dependencies one level up (the paths the packs import, as in this
 * repository), and an app folder with a lock file of its own, so synthesizing
 * never writes Lambda entries into the repository's.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AWF_PACKAGE_ROOT } from '../../lib/project-paths.js';

/** The folders of {@link workflowsOutsideRepo}. */
export interface WorkflowsOutsideRepo {
  readonly root: string;
  /** Where the packs go. */
  readonly workflowsDir: string;
  /** The app's lock file: pass it as `depsLockFilePath` when synthesizing. */
  readonly lockFile: string;
  /** Deletes everything. */
  remove(): void;
}

/** Makes the layout in the system's temporary directory; the workflows folder starts empty. */
export function workflowsOutsideRepo(prefix: string): WorkflowsOutsideRepo {
  const root = mkdtempSync(join(tmpdir(), `awf-${prefix}-`));
  // The packs are ES modules that import awf's core and zod by the paths they have in the repository.
  writeFileSync(join(root, 'package.json'), '{ "type": "module", "private": true }\n');
  symlinkSync(join(AWF_PACKAGE_ROOT, 'core'), join(root, 'core'), 'dir');
  symlinkSync(join(AWF_PACKAGE_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  const workflowsDir = join(root, 'workflows');
  mkdirSync(workflowsDir);
  const appDir = join(root, 'app');
  mkdirSync(appDir);
  const lockFile = join(appDir, 'package-lock.json');
  writeFileSync(lockFile, '{}\n');
  return { root, workflowsDir, lockFile, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** Runs `work` with this process's standard output discarded (a command that prints its report). */
export async function withoutStdout<T>(work: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await work();
  } finally {
    process.stdout.write = write;
  }
}
