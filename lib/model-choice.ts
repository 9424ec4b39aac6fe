/**
 * Which models a deployment runs a workflow with: a `GovernedWorkflow` prop,
 * else CDK context, else the pack's own.
 *
 * Context lets an operator move a deployed workflow off a model that reached
 * its end of life without editing the pack:
 * `cdk deploy -c awf:modelId:refund-triage=us.anthropic.claude-haiku-4-5-20251001-v1:0`
 * (and `-c awf:fallbackModels:refund-triage=<id>,<id>`, or a list in cdk.json).
 */
import type { IConstruct } from 'constructs';
import { ConfigurationError, WorkflowSpecError } from '../core/errors.js';
import { type ModelChoice, modelChoiceFromContext, withModelChoice } from '../core/workflow/model-choice.js';
import type { WorkflowSpec } from '../core/workflow/spec.js';
import { InfrastructurePropsError } from './errors.js';

/**
 * The spec as this deployment runs it: each field of `models` when given,
 * else of the workflow's CDK context, else the pack's.
 *
 * @param scope the workflow construct; context is read from it and errors name its path.
 * @throws InfrastructurePropsError naming the choice and what is wrong with it.
 */
export function deploymentSpec(
  scope: IConstruct,
  spec: WorkflowSpec,
  models: ModelChoice = {},
): WorkflowSpec {
  try {
    const context = modelChoiceFromContext(spec.id, (key) => scope.node.tryGetContext(key));
    return withModelChoice(spec, {
      modelId: models.modelId ?? context.modelId,
      fallbackModels: models.fallbackModels ?? context.fallbackModels,
    });
  } catch (error) {
    if (error instanceof WorkflowSpecError) {
      throw new InfrastructurePropsError(
        `models must be a valid choice for workflow "${spec.id}": ${error.problems.join('; ')}`,
        scope,
        { cause: error },
      );
    }
    if (error instanceof ConfigurationError) {
      throw new InfrastructurePropsError(error.message, scope, { cause: error });
    }
    throw error;
  }
}
