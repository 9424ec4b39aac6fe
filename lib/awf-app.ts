/**
 * The awf stacks on an app: the stateful data stack and the workflows stack
 * beside it. cdk-nag's checks are added apart (`lib/nag.ts`), so an app that
 * installs awf does not need cdk-nag.
 */
import type { App } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
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
  /**
   * Who may put each workflow's trigger events on the bus, by workflow id
   * (see `GovernedWorkflowProps.triggerSenders`).
   * @default - for every workflow, the principals of the deployment's account
   */
  readonly triggerSenders?: Readonly<Record<string, readonly iam.IPrincipal[]>>;
  /**
   * The most concurrent Plan invocations (model calls) of each workflow, by
   * workflow id (see `GovernedWorkflowProps.modelConcurrency`).
   * @default - no reservation for any workflow
   */
  readonly modelConcurrency?: Readonly<Record<string, number>>;
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
    // Checkpoints state the shortest retention: no record's TTL comes before it (lineageExpiryOf).
    lineageRetentionDays: shortestRetention(props.packs),
    // The archive and the dead-letter queue hold business events: no longer than any pack keeps them.
    dataRetentionDays: shortestRetention(props.packs),
    // Not the packs' lock file: the data stack's functions are awf's own, bundled where awf is installed.
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
    alarmTopic: data.alarmTopic,
    depsLockFilePath: props.depsLockFilePath,
    triggerSenders: props.triggerSenders,
    modelConcurrency: props.modelConcurrency,
  });
  return { data, workflows };
}

/** The shortest `data.retentionDays` of the packs; undefined without packs. */
function shortestRetention(packs: readonly PackAtDir[]): number | undefined {
  const days = packs.map(({ pack }) => pack.spec.data.retentionDays);
  return days.length === 0 ? undefined : Math.min(...days);
}
