/**
 * awf's public API: what a CDK app composes to run governed workflows.
 *
 * - {@link GovernedWorkflow}: one workflow pack's Lambdas, state machine, trigger rule and
 *   reminder schedule, with `grantStartRuns`, `grantDecide` and `grantReadLineage`;
 * - {@link AwfDataStack}: the key, the event bus, the runs and lineage tables, the auditor role;
 * - {@link AwfWorkflowsStack} and {@link addAwfStacks}: the two stacks as this repository deploys them;
 * - {@link loadWorkflowPack}: a pack from any folder, validated.
 *
 * Pack authors import `defineWorkflow` from `awf/workflow`, which carries no CDK code: a
 * pack's `workflow.ts` is bundled into its Lambdas.
 *
 * @example
 * import { App, Stack } from 'aws-cdk-lib';
 * import { AwfDataStack, GovernedWorkflow, loadWorkflowPack } from 'awf';
 *
 * const app = new App();
 * const data = new AwfDataStack(app, 'AwfData', { env });
 * const stack = new Stack(app, 'Refunds', { env });
 * const packDir = join(import.meta.dirname, 'workflows', 'refund-triage');
 * const refunds = new GovernedWorkflow(stack, 'RefundTriage', {
 *   pack: await loadWorkflowPack(packDir), packDir,
 *   eventBus: data.eventBus, runsTable: data.runsTable, lineageTable: data.lineageTable, key: data.key,
 *   historyKey: data.historyKey, recordKeys: data.recordKeys,
 * });
 * refunds.grantDecide(approversRole);
 */

export { AwfError, WorkflowSpecError } from '../core/errors.js';
export { type ValidatedPolicies, validatePolicies } from '../core/policy/validate-pack.js';
export { DEFAULT_STACK_NAMES, STACK_OUTPUTS } from '../core/stack-outputs.js';
export { STEP_NAMES, type StepName } from '../core/steps/step-names.js';
export type { ModelChoice } from '../core/workflow/model-choice.js';
export type { WorkflowPack } from '../core/workflow/pack.js';
export type { WorkflowSpec, WorkflowSpecInput } from '../core/workflow/spec.js';
export {
  discoverWorkflowPacks,
  type LocatedWorkflowPack,
  loadWorkflowPack,
} from '../workflows/discover.js';
export { type AwfStacks, type AwfStacksProps, addAwfStacks } from './awf-app.js';
export { AwfDataStack, type AwfDataStackProps } from './data-stack.js';
export {
  DEFAULT_ACCOUNT,
  DEFAULT_REGION,
  type DeploymentEnv,
  resolveDeploymentEnv,
} from './deployment-env.js';
export {
  InfrastructureConfigError,
  type InfrastructureErrorOptions,
  InfrastructurePropsError,
  StateMachineDefinitionError,
} from './errors.js';
export {
  GovernedWorkflow,
  type GovernedWorkflowProps,
  type WorkflowTimeouts,
  workflowTimeouts,
} from './governed-workflow.js';
export type { RecordKeysByWriter } from './grants/keys.js';
export { AwfWorkflowsStack, type AwfWorkflowsStackProps, type PackAtDir } from './workflows-stack.js';
