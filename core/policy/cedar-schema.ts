/**
 * The Cedar model of a workflow: its schema, generated from the action
 * catalogue, and the request context every proposed action is judged with.
 *
 * ```
 * namespace Awf {
 *   entity Agent;                         // principal: Awf::Agent::"<workflow id>"
 *   entity Entity;                        // resource:  Awf::Entity::"<entity id>"
 *   action "issueRefund" appliesTo {      // one action per catalogue entry
 *     principal: Agent, resource: Entity,
 *     context: {
 *       input: { ...the action's zod input schema... },
 *       confidence: decimal, risk: String, autonomy: String,
 *       history: { issueRefund: Long, ... }   // spec.grounding.history.actions
 *     }
 *   };
 * }
 * ```
 */
import type { Context, SchemaJson } from '@cedar-policy/cedar-wasm/nodejs';
import { WorkflowSpecError } from '../errors.js';
import { isCatalogueAction, notInCatalogue } from '../workflow/catalogue.js';
import type { AutonomyLevel, RiskLevel, WorkflowSpec } from '../workflow/spec.js';
import {
  CEDAR_DECIMAL,
  type CedarAttributeType,
  type CedarRecordType,
  cedarRecordTypeOfZod,
} from './cedar-types.js';
import { toCedarRecord } from './cedar-values.js';
import { PolicyInputError } from './errors.js';

/** The Cedar namespace of every workflow's schema. */
export const CEDAR_NAMESPACE = 'Awf';
/** Entity type of the principal: the workflow's agent. */
export const AGENT_ENTITY_TYPE = `${CEDAR_NAMESPACE}::Agent`;
/** Entity type of the resource: the business entity a run is about. */
export const RESOURCE_ENTITY_TYPE = `${CEDAR_NAMESPACE}::Entity`;
/** Entity type of the actions, one per catalogue entry. */
export const ACTION_ENTITY_TYPE = `${CEDAR_NAMESPACE}::Action`;

/** The values of one request's context, before conversion to Cedar. */
export interface PolicyContextValues {
  /** The proposed action's input, as parsed with its zod schema. */
  readonly input: Readonly<Record<string, unknown>>;
  /** The model's confidence, 0 to 1; a Cedar decimal. */
  readonly confidence: number;
  readonly risk: RiskLevel;
  readonly autonomy: AutonomyLevel;
  /** Counts of executed actions for the history key, one per `spec.grounding.history.actions`. */
  readonly history: Readonly<Record<string, number>>;
}

/**
 * The context type of each action of the catalogue.
 * @throws WorkflowSpecError listing every input field that has no Cedar type,
 *   as `actions.<action>.input.<field>: ...`.
 */
export function cedarContextTypesFor(spec: WorkflowSpec): Readonly<Record<string, CedarRecordType>> {
  const problems: string[] = [];
  const historyAttributes: Record<string, CedarAttributeType> = {};
  for (const action of spec.grounding.history?.actions ?? []) historyAttributes[action] = { type: 'Long' };
  const contexts: Record<string, CedarRecordType> = {};
  for (const [action, actionSpec] of Object.entries(spec.actions)) {
    const input = cedarRecordTypeOfZod(actionSpec.input, `actions.${action}.input`, problems);
    if (input === undefined) continue;
    contexts[action] = {
      type: 'Record',
      attributes: {
        input,
        confidence: { type: 'Extension', name: CEDAR_DECIMAL },
        risk: { type: 'String' },
        autonomy: { type: 'String' },
        history: { type: 'Record', attributes: historyAttributes },
      },
    };
  }
  if (problems.length > 0) throw new WorkflowSpecError(spec.id, problems);
  return contexts;
}

/**
 * Builds the Cedar schema (JSON form) of a workflow from its action catalogue.
 *
 * @throws WorkflowSpecError naming each action input field that has no Cedar type.
 * @example
 * const schema = cedarSchemaFor(refundTriage);
 * schema.Awf.actions.issueRefund.appliesTo.context; // { type: 'Record', attributes: { input, confidence, ... } }
 */
export function cedarSchemaFor(spec: WorkflowSpec): SchemaJson<string> {
  return cedarSchemaOf(cedarContextTypesFor(spec));
}

/** The Cedar schema for already computed context types. */
export function cedarSchemaOf(contexts: Readonly<Record<string, CedarRecordType>>): SchemaJson<string> {
  return {
    [CEDAR_NAMESPACE]: {
      entityTypes: { Agent: {}, Entity: {} },
      actions: Object.fromEntries(
        Object.entries(contexts).map(([action, context]) => [
          action,
          { appliesTo: { principalTypes: ['Agent'], resourceTypes: ['Entity'], context } },
        ]),
      ),
    },
  };
}

/**
 * Converts the values of a request's context to Cedar's JSON form for one action.
 *
 * Numbers become decimals where the schema says decimal (at most four
 * fractional digits, never rounded) and Longs where it says Long.
 *
 * @throws PolicyInputError when the action is not in the catalogue or a value
 *   does not fit its type; the message names the path (`context.input.amount`).
 * @throws WorkflowSpecError when the action's input schema has no Cedar type.
 */
export function toCedarContext(spec: WorkflowSpec, action: string, values: PolicyContextValues): Context {
  if (!isCatalogueAction(spec, action)) throw new PolicyInputError(notInCatalogue(spec, action));
  const contextType = cedarContextTypesFor(spec)[action];
  if (contextType === undefined) throw new PolicyInputError(`action "${action}" has no Cedar context type`);
  return toCedarRecord(contextType, values, 'context');
}
