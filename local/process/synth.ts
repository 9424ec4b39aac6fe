/**
 * Synthesizes the CDK app when `cdk.out` is missing or older than its sources,
 * so the local cloud always runs what the code in the repository would deploy.
 *
 * Staleness is judged by modification times: the cloud assembly's
 * `manifest.json` against the newest file under the folders the app is built
 * from. That is cheap (no hashing, no synth) and errs on the side of
 * synthesizing again, which is only slow, never wrong.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { AwfError } from '../../core/errors.js';
import { isProcessRunning } from './process-running.js';

/** The repository root (this module lives in `local/process/`). */
export const PROJECT_ROOT = resolvePath(dirname(fileURLToPath(import.meta.url)), '../..');

/** What the synthesized stacks are built from, relative to the project root. */
export const SYNTH_SOURCES: readonly string[] = [
  'bin',
  'lib',
  'core',
  'lambdas',
  'adapters',
  'statemachines',
  'workflows',
  'package-lock.json',
];

/** `cdk synth` failed or could not be started. */
export class SynthError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SynthError';
  }
}

/** Whether a cloud assembly needs synthesizing, and why. */
export interface Staleness {
  readonly stale: boolean;
  /** For people: `cdk.out is missing`, `lib/steps.ts changed since the last synth`, `cdk.out is up to date`. */
  readonly reason: string;
}

/** The newest file under `path` (itself if a file), skipping `node_modules`; undefined when there is none. */
function newestFile(path: string): { path: string; mtimeMs: number } | undefined {
  if (!existsSync(path)) return undefined;
  const stat = statSync(path);
  if (stat.isFile()) return { path, mtimeMs: stat.mtimeMs };
  if (!stat.isDirectory()) return undefined;
  let newest: { path: string; mtimeMs: number } | undefined;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const candidate = newestFile(join(path, entry.name));
    if (candidate && (!newest || candidate.mtimeMs > newest.mtimeMs)) newest = candidate;
  }
  return newest;
}

/**
 * Tells whether `cdkOut` is missing or older than any source file.
 * @param projectRoot where {@link SYNTH_SOURCES} are looked up
 */
export function cloudAssemblyStaleness(cdkOut: string, projectRoot: string = PROJECT_ROOT): Staleness {
  const manifest = join(cdkOut, 'manifest.json');
  if (!existsSync(manifest))
    return { stale: true, reason: `${relative(projectRoot, cdkOut) || cdkOut} is missing` };
  const synthesizedAt = statSync(manifest).mtimeMs;
  for (const source of SYNTH_SOURCES) {
    const newest = newestFile(join(projectRoot, source));
    if (newest && newest.mtimeMs > synthesizedAt) {
      return { stale: true, reason: `${relative(projectRoot, newest.path)} changed since the last synth` };
    }
  }
  return { stale: false, reason: 'the cloud assembly is up to date' };
}

/** How to synthesize. */
export interface SynthOptions {
  /** Output folder of the cloud assembly. */
  readonly cdkOut: string;
  /** @default - the repository root */
  readonly projectRoot?: string;
  /**
   * Receives one-line notes for people (`synthesizing ...`).
   * @default - discarded
   */
  readonly onNote?: (line: string) => void;
}

/** How many of the last output lines of a failed synth its error shows. */
const FAILURE_TAIL_LINES = 3;

/**
 * Runs `npx --no cdk synth --no-notices -q` in the project root and waits for it.
 * @throws SynthError with the last lines cdk printed when it fails.
 */
export async function synthesize(options: SynthOptions): Promise<void> {
  const root = options.projectRoot ?? PROJECT_ROOT;
  const output: string[] = [];
  // --no: use the project's own aws-cdk, never fetch one (nothing may download at run time).
  const child = spawn('npx', ['--no', 'cdk', 'synth', '--no-notices', '-q', '--output', options.cdkOut], {
    cwd: root,
    // No AWS account here: never look for instance metadata, which would only add timeouts.
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      // npm's own warnings (about the user's npm configuration) say nothing about the synth.
      output.push(...chunk.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('npm warn')));
      output.splice(0, Math.max(0, output.length - 50));
    });
  }
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', (error) =>
      reject(new SynthError(`could not run "npx cdk synth": ${error.message}`, { cause: error })),
    );
    child.once('close', resolve);
  });
  if (code !== 0) {
    const tail = output.slice(-FAILURE_TAIL_LINES).join(' | ');
    throw new SynthError(`cdk synth failed (exit ${code})${tail ? `: ${tail}` : ''}`);
  }
}

/** How long to wait for another process's synth before giving up. */
const LOCK_WAIT_MS = 5 * 60_000;
const LOCK_POLL_MS = 250;

/**
 * Takes the synth lock of a cloud assembly: a folder inside it holding the
 * owner's pid. Two local clouds (or a test run beside `npm start`) must not
 * synthesize into one `cdk.out` at once; a lock left by a process that died
 * is taken over.
 * @returns a function that releases the lock
 * @throws SynthError when another live process holds it for too long
 */
async function acquireSynthLock(cdkOut: string, onNote?: (line: string) => void): Promise<() => void> {
  const lock = join(cdkOut, '.awf-synth.lock');
  const owner = join(lock, 'pid');
  const deadline = Date.now() + LOCK_WAIT_MS;
  let noted = false;
  mkdirSync(cdkOut, { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(owner, String(process.pid));
      return () => rmSync(lock, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number(existsSync(owner) ? readFileSync(owner, 'utf8') : Number.NaN);
    if (Number.isInteger(pid) && !isProcessRunning(pid)) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new SynthError(
        `another process (pid ${pid}) has been synthesizing into ${cdkOut} for too long; remove ${lock} if it is gone`,
      );
    }
    if (!noted)
      onNote?.(`waiting for another synth into ${cdkOut} (pid ${Number.isNaN(pid) ? '?' : pid})...`);
    noted = true;
    await sleep(LOCK_POLL_MS);
  }
}

/**
 * Synthesizes when {@link cloudAssemblyStaleness} says so, one process at a
 * time per cloud assembly.
 * @returns whether it synthesized
 * @throws SynthError when the synth fails
 */
export async function synthesizeIfStale(options: SynthOptions): Promise<boolean> {
  if (!cloudAssemblyStaleness(options.cdkOut, options.projectRoot).stale) return false;
  const release = await acquireSynthLock(options.cdkOut, options.onNote);
  try {
    // Whoever held the lock may have just synthesized what we need.
    const staleness = cloudAssemblyStaleness(options.cdkOut, options.projectRoot);
    if (!staleness.stale) return false;
    options.onNote?.(`synthesizing the CDK app (${staleness.reason}); this takes about a minute...`);
    await synthesize(options);
    return true;
  } finally {
    release();
  }
}
