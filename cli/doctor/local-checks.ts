/**
 * `awf doctor`'s checks of this machine: the toolchain a synth, a deploy and
 * the local cloud need, and, without `--aws`, whether the local cloud runs and
 * its endpoints answer. Everything it looks at comes through
 * {@link LocalProbes}, so the checks are tested with fakes.
 */
import { type DoctorLine, line } from './lines.js';

/** The oldest Node.js awf runs on (`engines.node`). */
export const MIN_NODE_MAJOR = 20;
/** The oldest Java DynamoDB Local (the local cloud's tables) runs on. */
export const MIN_JAVA_MAJOR = 17;

/** Whether the local cloud runs, as its state file and process say. */
export type LocalCloudAnswer =
  | { readonly state: 'stopped' }
  | { readonly state: 'stale'; readonly pid: number }
  | { readonly state: 'running'; readonly pid: number; readonly endpoints: Readonly<Record<string, string>> };

/** What the local checks look at. */
export interface LocalProbes {
  /** `process.versions.node`. */
  nodeVersion(): string;
  /** What `java -version` printed, or undefined when there is no `java`. */
  javaVersion(): string | undefined;
  /** The files `cdk synth` reads that are missing (cdk.json, the state machine definition, the CDK CLI, esbuild). */
  missingSynthInputs(): readonly string[];
  /** The workflow packs' ids. @throws the pack's error when one does not load (an invalid spec). */
  packIds(): Promise<readonly string[]>;
  localCloud(): LocalCloudAnswer;
  /** Whether something answers HTTP at the URL (any status). */
  answers(url: string): Promise<boolean>;
}

/** The major version in `java -version`'s output: `openjdk version "17.0.9"` is 17, `"1.8.0_381"` is 8. */
export function javaMajorOf(output: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

function toolchain(probes: LocalProbes, aws: boolean): DoctorLine[] {
  const lines: DoctorLine[] = [];
  const node = probes.nodeVersion();
  const nodeMajor = Number(node.split('.')[0]);
  lines.push(
    nodeMajor >= MIN_NODE_MAJOR
      ? line('node', 'ok', `v${node}`)
      : line('node', 'blocker', `v${node}; awf needs Node.js ${MIN_NODE_MAJOR} or later`),
  );
  const java = probes.javaVersion();
  const javaMajor = java === undefined ? undefined : javaMajorOf(java);
  // Only the local cloud needs Java: for a deploy it is worth a warning, no more.
  const missing = aws ? 'warn' : 'blocker';
  if (javaMajor !== undefined && javaMajor >= MIN_JAVA_MAJOR) {
    lines.push(line('java', 'ok', `${javaMajor} (DynamoDB Local)`));
  } else {
    lines.push(
      line(
        'java',
        missing,
        `${java === undefined ? 'not found' : `version ${javaMajor ?? 'unreadable'}`}; the local cloud's DynamoDB Local needs Java ${MIN_JAVA_MAJOR} or later on the PATH`,
      ),
    );
  }
  const absent = probes.missingSynthInputs();
  lines.push(
    absent.length === 0
      ? line(
          'synth inputs',
          'ok',
          'cdk.json, the state machine definition, the CDK CLI and esbuild are present',
        )
      : line('synth inputs', 'blocker', `missing ${absent.join(', ')}; run npm install in the project`),
  );
  return lines;
}

async function packs(probes: LocalProbes): Promise<DoctorLine> {
  try {
    const ids = await probes.packIds();
    return ids.length === 0
      ? line('workflow packs', 'blocker', 'none found under workflows/; add a pack (docs/WORKFLOWS.md)')
      : line('workflow packs', 'ok', ids.join(', '));
  } catch (error) {
    return line('workflow packs', 'blocker', error instanceof Error ? error.message : String(error));
  }
}

async function localCloud(probes: LocalProbes): Promise<DoctorLine[]> {
  const cloud = probes.localCloud();
  if (cloud.state === 'stopped') {
    return [line('local cloud', 'warn', 'not running; start it with "npm start" (or "npx awf local up")')];
  }
  if (cloud.state === 'stale') {
    return [
      line(
        'local cloud',
        'warn',
        `its state file names process ${cloud.pid}, which is not running; start it again with "npm start"`,
      ),
    ];
  }
  const lines = [line('local cloud', 'ok', `running (pid ${cloud.pid})`)];
  const answers = await Promise.all(
    Object.entries(cloud.endpoints).map(
      async ([name, url]) => [name, url, await probes.answers(url)] as const,
    ),
  );
  for (const [name, url, answered] of answers) {
    lines.push(
      answered
        ? line(`local ${name}`, 'ok', `${url} answers`)
        : line(`local ${name}`, 'blocker', `${url} does not answer; restart the local cloud ("npm start")`),
    );
  }
  return lines;
}

/**
 * The local lines: node, java, the synth inputs, the packs, and (without
 * `aws`) the local cloud and each of its endpoints.
 */
export async function localChecks(
  probes: LocalProbes,
  options: { readonly aws: boolean },
): Promise<DoctorLine[]> {
  return [
    ...toolchain(probes, options.aws),
    await packs(probes),
    ...(options.aws ? [] : await localCloud(probes)),
  ];
}
