/**
 * The {@link LocalProbes} of this machine: the running Node.js, `java` on the
 * PATH, the project's files, the packs, and the local cloud's state file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { isProcessRunning } from '../../local/process/process-running.js';
import { readLocalState } from '../../local/process/state-file.js';
import { discoverWorkflowPacks } from '../../workflows/discover.js';
import type { LocalCloudAnswer, LocalProbes } from './local-checks.js';

/** How long an endpoint has to answer before it counts as down. */
const ANSWER_TIMEOUT_MS = 2_000;

/**
 * The probes of the project in `projectDir` (where `awf` runs: cdk.json,
 * node_modules) and the local cloud of `stateDir`.
 */
export function createLocalProbes(projectDir: string, stateDir: string): LocalProbes {
  const resolves = (specifier: string) => {
    try {
      createRequire(join(projectDir, 'package.json')).resolve(specifier);
      return true;
    } catch {
      return false;
    }
  };
  return {
    nodeVersion: () => process.versions.node,
    javaVersion() {
      const result = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 10_000 });
      if (result.error !== undefined || result.status !== 0) return undefined;
      // java prints its version on stderr.
      return `${result.stderr}${result.stdout}`;
    },
    missingSynthInputs() {
      const missing: string[] = [];
      for (const file of ['cdk.json', join('statemachines', 'governed-workflow.asl.json')]) {
        if (!existsSync(join(projectDir, file))) missing.push(file);
      }
      if (!resolves('aws-cdk/package.json')) missing.push('the aws-cdk package (the CDK CLI)');
      if (!resolves('esbuild')) missing.push('the esbuild package (Lambda bundling without Docker)');
      return missing;
    },
    async packIds() {
      return (await discoverWorkflowPacks()).map(({ pack }) => pack.spec.id);
    },
    localCloud(): LocalCloudAnswer {
      let state: ReturnType<typeof readLocalState>;
      try {
        state = readLocalState(stateDir);
      } catch {
        return { state: 'stopped' };
      }
      return isProcessRunning(state.pid)
        ? { state: 'running', pid: state.pid, endpoints: state.endpoints }
        : { state: 'stale', pid: state.pid };
    },
    async answers(url) {
      try {
        await fetch(url, { signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) });
        return true;
      } catch {
        return false;
      }
    },
  };
}
