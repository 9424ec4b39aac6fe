/**
 * Synthesizes the awf stacks for infrastructure tests, the way `cdk synth` does
 * (same feature flags, same wiring), once per test file.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type AwfStacks, type AwfStacksProps, addAwfStacks } from '../../../lib/awf-app.js';
import type { DeploymentEnv } from '../../../lib/deployment-env.js';
import { AWF_PACKAGE_ROOT } from '../../../lib/project-paths.js';
import type { StepName } from '../../../lib/steps.js';
import type { PackAtDir } from '../../../lib/workflows-stack.js';
import { discoverWorkflowPacks } from '../../../workflows/discover.js';
import { FakeCloud } from './fake-cloud.js';

/** The environment every test synthesizes for. */
export const TEST_ENV: DeploymentEnv = { account: '123456789012', region: 'us-east-1' };

/** Packs that exist only for the infrastructure tests. */
export const FIXTURE_PACKS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'packs');
/** Packs whose specs are invalid on purpose. */
export const BROKEN_PACKS_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'broken-packs',
);

/** The context of cdk.json (feature flags), so tests build what `cdk synth` builds. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson: unknown = JSON.parse(readFileSync(join(AWF_PACKAGE_ROOT, 'cdk.json'), 'utf8'));
  if (typeof cdkJson !== 'object' || cdkJson === null || !('context' in cdkJson)) return {};
  const { context } = cdkJson;
  return typeof context === 'object' && context !== null ? { ...context } : {};
}

/** The repository's packs plus the fixture packs: every branch of the construct in one app. */
export async function loadTestPacks(): Promise<PackAtDir[]> {
  // One after the other: jest's ESM loader fails on concurrent first imports of the same module (zod).
  const repository = await discoverWorkflowPacks();
  const fixtures = await discoverWorkflowPacks(FIXTURE_PACKS_DIR);
  return [...repository, ...fixtures];
}

/** Options of {@link synthAwf}. */
export interface SynthOptions {
  readonly packs: readonly PackAtDir[];
  /**
   * Run esbuild for the Lambda assets. Off by default: most tests read the
   * template only, and bundling twenty functions would dominate the suite.
   */
  readonly bundle?: boolean;
  /** Extra context (for example an output directory). */
  readonly context?: Record<string, unknown>;
  readonly outdir?: string;
  /**
   * The lock file whose folder roots the bundling and the generated Lambda
   * entries. Give one outside the repository when the packs live outside it,
   * so their entries do not replace the repository's own.
   * @default - the repository's lock file
   */
  readonly depsLockFilePath?: string;
  /** Extra props of the stacks (trigger senders, model concurrency), as an app would pass them. */
  readonly stacks?: Pick<AwfStacksProps, 'triggerSenders' | 'modelConcurrency'>;
}

/** The app, its stacks and their templates. */
export interface SynthesizedAwf extends AwfStacks {
  readonly app: App;
  readonly dataTemplate: Template;
  readonly workflowsTemplate: Template;
}

/** A fake cloud over both synthesized stacks. */
export function fakeCloudOf(synth: SynthesizedAwf): FakeCloud {
  return new FakeCloud(
    [
      { stackName: synth.data.stackName, template: synth.dataTemplate.toJSON() },
      { stackName: synth.workflows.stackName, template: synth.workflowsTemplate.toJSON() },
    ],
    TEST_ENV,
  );
}

/** Builds the awf app for `packs` and synthesizes both stacks. */
export function synthAwf(options: SynthOptions): SynthesizedAwf {
  const app = new App({
    outdir: options.outdir,
    context: {
      ...cdkJsonContext(),
      // An empty list skips bundling: assets get a placeholder, the template is unchanged otherwise.
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
  const stacks = addAwfStacks(app, {
    env: TEST_ENV,
    packs: options.packs,
    depsLockFilePath: options.depsLockFilePath,
    ...options.stacks,
  });
  return {
    app,
    ...stacks,
    dataTemplate: Template.fromStack(stacks.data),
    workflowsTemplate: Template.fromStack(stacks.workflows),
  };
}

/**
 * The environment variables a step's function of `workflowId` gets in the
 * synthesized template, references to the data stack resolved.
 * @throws naming the workflow when the app has none of that id
 */
export function stepEnvironment(
  synth: SynthesizedAwf,
  cloud: FakeCloud,
  workflowId: string,
  step: StepName,
): Readonly<Record<string, string>> {
  const workflow = synth.workflows.workflows[workflowId];
  if (!workflow) throw new Error(`no workflow ${workflowId}`);
  const { stackName } = synth.workflows;
  const logicalId = synth.workflows.getLogicalId(workflow.functions[step].node.defaultChild as never);
  const { Environment } = cloud.resolve(stackName, cloud.resource(stackName, logicalId).Properties ?? {}) as {
    Environment: { Variables: Record<string, string> };
  };
  return Environment.Variables;
}
