/**
 * The awf stacks on an app: the stateful data stack and the workflows stack
 * beside it. cdk-nag's checks are added apart (`lib/nag.ts`), so an app that
 * installs awf does not need cdk-nag.
 */
import type { App } from 'aws-cdk-lib';
import { DEFAULT_STACK_NAMES } from '../core/stack-outputs.js';
import { AwfDataStack } from './data-stack.js';
import type { DeploymentEnv } from './deployment-env.js';
import { AwfWorkflowsStack, type PackAtDir } from './workflows-stack.js';

/** What the stacks are built from. */
export interface AwfStacksProps {
  readonly env: DeploymentEnv;
  readonly packs: readonly PackAtDir[];
  /**
   * The lock file of the app the step Lambdas are bundled in (see `GovernedWorkflowProps.depsLockFilePath`).
   * @default - the nearest lock file at or above the awf package
   */
  readonly depsLockFilePath?: string;
}

/** The stacks {@link addAwfStacks} created. */
export interface AwfStacks {
  readonly data: AwfDataStack;
  readonly workflows: AwfWorkflowsStack;
}

/**
 * Adds the data stack (`AwfData`) and the workflows stack (`AwfWorkflows`) to
 * `app`; the workflows reference the data stack's bus, tables and key. These
 * are the stack names the `awf` command line looks for by default.
 *
 * @example
 * const packDir = join(import.meta.dirname, 'workflows', 'refund-triage');
 * addAwfStacks(app, { env, packs: [{ dir: packDir, pack: await loadWorkflowPack(packDir) }] });
 */
export function addAwfStacks(app: App, props: AwfStacksProps): AwfStacks {
  const data = new AwfDataStack(app, DEFAULT_STACK_NAMES.data, {
    env: props.env,
    description: 'awf: key, event bus, runs and lineage tables, auditor role (stateful)',
  });
  const workflows = new AwfWorkflowsStack(app, DEFAULT_STACK_NAMES.workflows, {
    env: props.env,
    description: 'awf: governed workflows (step Lambdas, state machines, rules)',
    packs: props.packs,
    eventBus: data.eventBus,
    runsTable: data.runsTable,
    lineageTable: data.lineageTable,
    key: data.key,
    historyKey: data.historyKey,
    recordKeys: data.recordKeys,
    tokenKey: data.tokenKey,
    depsLockFilePath: props.depsLockFilePath,
  });
  return { data, workflows };
}
