/**
 * Loads built Lambda bundles in a fresh Node.js process, each with the
 * environment its template gives it, as Lambda would at cold start.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** A synthesized step function's bundle. */
export interface BuiltBundle {
  readonly step: string;
  /** The asset folder holding `index.mjs`. */
  readonly assetDir: string;
  readonly environment: Readonly<Record<string, string>>;
}

const LOADER = [
  "import { pathToFileURL } from 'node:url';",
  'const failures = [];',
  'for (const { step, file, environment } of JSON.parse(process.env.AWF_TEST_BUNDLES)) {',
  '  Object.assign(process.env, environment);',
  '  try {',
  '    const module = await import(pathToFileURL(file).href);',
  "    if (typeof module.handler !== 'function') failures.push(step + ': no handler export');",
  '  } catch (error) {',
  "    failures.push(step + ': ' + error);",
  '  }',
  '}',
  'console.log(JSON.stringify(failures));',
].join('\n');

/**
 * Imports every bundle in one child process (started in `cwd`, outside any
 * node_modules the bundle could lean on) and returns what failed:
 * `<step>: <error>` or `<step>: no handler export`; empty when all loaded.
 */
export function bundleLoadFailures(bundles: readonly BuiltBundle[], cwd: string, region: string): string[] {
  const payload = bundles.map((bundle) => ({
    step: bundle.step,
    file: join(bundle.assetDir, 'index.mjs'),
    environment: { ...bundle.environment, NODE_OPTIONS: '' },
  }));
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', LOADER], {
    cwd,
    env: { PATH: process.env.PATH, AWS_REGION: region, AWF_TEST_BUNDLES: JSON.stringify(payload) },
    encoding: 'utf8',
    // stderr carries the SDK's notices about this machine's Node version; failures come back on stdout.
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 60_000,
  });
  return JSON.parse(output.trim().split('\n').pop() ?? '[]') as string[];
}
