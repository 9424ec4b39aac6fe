/**
 * The awf stacks on an app: the stateful data stack and the workflows stack
 * beside it, checked by cdk-nag.
 */
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { DEFAULT_STACK_NAMES } from '../core/stack-outputs.js';
import { AwfDataStack } from './data-stack.js';
import type { DeploymentEnv } from './deployment-env.js';
import { AwfWorkflowsStack, type PackAtDir } from './workflows-stack.js';

/** What the stacks are built from. */
export interface AwfStacksProps {
  readonly env: DeploymentEnv;
  readonly packs: readonly PackAtDir[];
}

/** The stacks {@link addAwfStacks} created. */
export interface AwfStacks {
  readonly data: AwfDataStack;
  readonly workflows: AwfWorkflowsStack;
}

/**
 * Adds the data stack (`AwfData`) and the workflows stack (`AwfWorkflows`) to
 * `app`; the workflows reference the data stack's bus, tables and key.
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
  });
  return { data, workflows };
}

/**
 * Runs the AWS Solutions and Serverless rule packs over the app at synth: an
 * unacknowledged error fails `cdk synth`.
 */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}
