/**
 * The state machines of the synthesized stacks, as the local Step Functions serves them.
 */
import type { LocalTemplate } from '../template/index.js';
import type { LocalStateMachineSource } from './engine.js';

/**
 * Every `AWS::StepFunctions::StateMachine` of the cloud assembly: its local
 * ARN, its definition with `DefinitionSubstitutions` applied (function ARNs,
 * partition, timeouts) and its role.
 * @throws TemplateError when a definition or a substitution cannot be resolved.
 */
export function stateMachinesFromTemplate(template: LocalTemplate): LocalStateMachineSource[] {
  return template.resourcesOfType('AWS::StepFunctions::StateMachine').map((resource) => {
    const roleArn = template.resolve(resource.properties.RoleArn, resource.stackName);
    return {
      arn: template.arnOf(resource.logicalId, resource.stackName),
      definition: template.stateMachineDefinition(resource.logicalId, resource.stackName),
      ...(typeof roleArn === 'string' ? { roleArn } : {}),
    };
  });
}
