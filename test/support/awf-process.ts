/**
 * The `awf` program in a process of its own, as a person or a script runs it,
 * and a probe of whether a local endpoint still listens.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { PROJECT_ROOT } from '../../local/process/synth.js';

/** What a finished `awf` process printed and how it exited. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of a child `awf`: no jest flags, no SDK notice about Node versions on stderr. */
function childEnv(): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _jestOptions, ...env } = process.env;
  return { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
}

/** Starts `awf <args>` (`bin/awf.js`, as `npx awf` does) from the repository root. */
export function spawnAwf(args: readonly string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['bin/awf.js', ...args], { cwd: PROJECT_ROOT, env: childEnv() });
}

/** Runs `awf <args>` to its end. */
export function runAwf(args: readonly string[]): Promise<CliResult> {
  const child = spawnAwf(args);
  // No command reads standard input; closed, it cannot keep one waiting.
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Resolves with whether something accepts TCP connections at `endpoint`. */
export function listens(endpoint: string): Promise<boolean> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
