/**
 * What the local cloud tells its clients about the synthesized stacks: the
 * runs and lineage tables, the platform bus, and per workflow its state
 * machine and step functions. `.awf/local.json` carries it to the CLI.
 *
 * Everything is read from the template, never from a second description:
 * - tables, bus and lineage record keys from the data stack's outputs (the
 *   same outputs the CLI reads from a deployed stack);
 * - a workflow's state machine names its step functions in its
 *   `DefinitionSubstitutions` (`AdmitFunctionArn`, ...); the functions carry
 *   the workflow id in `AWF_WORKFLOW_ID`;
 * - steps the state machine never calls (decide-approval, remind) are found by
 *   that variable, and named by their construct path (`.../DecideApproval/Function/Resource`).
 */
import { ENV } from '../core/runtime-env.js';
import { STACK_OUTPUTS } from '../core/stack-outputs.js';
import type { LocalFunction } from './lambda/index.js';
import { type LocalTemplate, TemplateError } from './template/index.js';
import { functionUrlIdOf } from './template/physical-names.js';

/** One workflow of the template. */
export interface WorkflowTopology {
  readonly workflowId: string;
  readonly stateMachineArn: string;
  /** Step name (`admit`, `plan`, `decide-approval`, ...) -> function name. */
  readonly functions: Readonly<Record<string, string>>;
  /** The id of the decide-approval function's URL (the approvals endpoint), when it has one. */
  readonly approvalsUrlId?: string;
  /** The role ARNs whose sessions the approvals endpoint trusts, the workflow's approver role first. */
  readonly approverRoles: readonly string[];
  /** The id of the switch function's URL (the operations endpoint), when it has one. */
  readonly operationsUrlId?: string;
  /** The role ARNs whose sessions the operations endpoint trusts, the workflow's operator role first. */
  readonly operatorRoles: readonly string[];
  /** The id of the follow-up function's URL (the follow-ups endpoint), when it has one. */
  readonly followUpsUrlId?: string;
}

/** The parts of the template the local cloud's clients need. */
export interface Topology {
  readonly region: string;
  readonly accountId: string;
  readonly runsTable: string;
  readonly lineageTable: string;
  readonly eventBus: string;
  readonly workflows: Readonly<Record<string, WorkflowTopology>>;
  /** Writer step -> ARN of its lineage record key, from the data stack's `RecordKeys` output. */
  readonly recordKeys: Readonly<Record<string, string>>;
}

const FUNCTION_ARN_SUBSTITUTION = /^(.+)FunctionArn$/;

/** `RequestApproval` -> `request-approval`. */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value of a stack output of any stack. @throws TemplateError naming the output. */
function outputValue(template: LocalTemplate, outputName: string): string {
  for (const stack of template.stacks) {
    const output = stack.template.Outputs[outputName];
    if (output) return template.resolveString(output.Value, stack.stackName);
  }
  throw new TemplateError(
    `no stack of the cloud assembly has the output "${outputName}" (stacks: ${template.stacks.map((s) => s.stackName).join(', ')})`,
  );
}

/** The `RecordKeys` output: writer step -> record key ARN. @throws TemplateError when it is not such an object. */
function recordKeysOf(template: LocalTemplate): Record<string, string> {
  const text = outputValue(template, STACK_OUTPUTS.recordKeys);
  const parsed: unknown = JSON.parse(text);
  if (!isRecord(parsed) || !Object.values(parsed).every((value) => typeof value === 'string')) {
    throw new TemplateError(
      `the output "${STACK_OUTPUTS.recordKeys}" must map steps to key ARNs, got ${text}`,
    );
  }
  return parsed as Record<string, string>;
}

/** The step name a function's construct path gives it: the folder before `Function`, in kebab case. */
function stepNameFromPath(template: LocalTemplate, fn: LocalFunction): string | undefined {
  const path = template.resource(fn.logicalId, fn.stackName).metadata['aws:cdk:path'];
  if (typeof path !== 'string') return undefined;
  const parts = path.split('/');
  const functionAt = parts.lastIndexOf('Function');
  const step = functionAt > 0 ? parts[functionAt - 1] : undefined;
  return step === undefined ? undefined : kebabCase(step);
}

/** The id of a function's URL, and the roles it trusts (`AWF_CALLER_ROLES`). */
function callerEndpointOf(
  template: LocalTemplate,
  fn: LocalFunction | undefined,
): { urlId?: string; roles: string[] } {
  if (!fn) return { roles: [] };
  const url = template
    .resourcesOfType('AWS::Lambda::Url')
    .find((resource) => template.resolvedProperties(resource).TargetFunctionArn === fn.functionArn);
  const roles: unknown = JSON.parse(fn.environment[ENV.callerRoles] ?? '[]');
  return {
    ...(url ? { urlId: functionUrlIdOf(url) } : {}),
    roles: Array.isArray(roles) ? roles.filter((role): role is string => typeof role === 'string') : [],
  };
}

/**
 * Reads the topology of the synthesized stacks.
 * @param functions the functions the Lambda host runs (their environments resolved)
 * @throws TemplateError when an output is missing, a state machine's step
 *   function is not in the template, or its functions name no workflow.
 */
export function topologyOf(template: LocalTemplate, functions: readonly LocalFunction[]): Topology {
  const [first] = template.stacks;
  if (!first) throw new TemplateError('the cloud assembly has no stacks');
  const byArn = new Map(functions.map((fn) => [fn.functionArn, fn]));
  const workflows: Record<string, WorkflowTopology> = {};

  for (const machine of template.resourcesOfType('AWS::StepFunctions::StateMachine')) {
    const properties = template.resolvedProperties(machine);
    const substitutions = isRecord(properties.DefinitionSubstitutions)
      ? properties.DefinitionSubstitutions
      : {};
    const steps: Record<string, string> = {};
    const workflowIds = new Set<string>();
    for (const [key, value] of Object.entries(substitutions)) {
      const step = FUNCTION_ARN_SUBSTITUTION.exec(key)?.[1];
      if (step === undefined || typeof value !== 'string') continue;
      const fn = byArn.get(value);
      if (!fn) {
        throw new TemplateError(
          `state machine "${machine.stackName}/${machine.logicalId}" substitutes ${key} with ${value}, which is no function of the template`,
        );
      }
      steps[kebabCase(step)] = fn.functionName;
      const workflowId = fn.environment[ENV.workflowId];
      if (workflowId !== undefined) workflowIds.add(workflowId);
    }
    // State machines that run no awf step (none today) are not workflows.
    if (workflowIds.size === 0) continue;
    if (workflowIds.size > 1) {
      throw new TemplateError(
        `state machine "${machine.stackName}/${machine.logicalId}" calls functions of several workflows: ${[...workflowIds].join(', ')}`,
      );
    }
    const [workflowId = ''] = workflowIds;
    for (const fn of functions) {
      if (fn.environment[ENV.workflowId] !== workflowId || Object.values(steps).includes(fn.functionName))
        continue;
      const step = stepNameFromPath(template, fn) ?? kebabCase(fn.logicalId);
      steps[step] = fn.functionName;
    }
    const approvals = callerEndpointOf(
      template,
      functions.find((fn) => fn.functionName === steps['decide-approval']),
    );
    const operations = callerEndpointOf(
      template,
      functions.find((fn) => fn.functionName === steps.switch),
    );
    const followUps = callerEndpointOf(
      template,
      functions.find((fn) => fn.functionName === steps['follow-up']),
    );
    workflows[workflowId] = {
      workflowId,
      stateMachineArn: template.arnOf(machine.logicalId, machine.stackName),
      functions: steps,
      ...(approvals.urlId ? { approvalsUrlId: approvals.urlId } : {}),
      approverRoles: approvals.roles,
      ...(operations.urlId ? { operationsUrlId: operations.urlId } : {}),
      operatorRoles: operations.roles,
      ...(followUps.urlId ? { followUpsUrlId: followUps.urlId } : {}),
    };
  }

  return {
    region: first.region,
    accountId: first.account,
    runsTable: outputValue(template, STACK_OUTPUTS.runsTableName),
    lineageTable: outputValue(template, STACK_OUTPUTS.lineageTableName),
    eventBus: outputValue(template, STACK_OUTPUTS.eventBusName),
    workflows,
    recordKeys: recordKeysOf(template),
  };
}
