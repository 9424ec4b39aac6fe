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
 *       history: { issueRefund: Long, refundedAmount: decimal, ... }, // counts and measures
 *       now: { datetime: datetime, date: String, hour: Long, minute: Long, weekday: String, timezone: String },
 *       event: { detail: { ...fields of the classes in data.policyMaySee... } },
 *       facts: { order: { ...the fact's attributes schema... }, ... }    // spec.grounding.facts
 *     }
 *   };
 * }
 * ```
 */
import type { Context, SchemaJson } from '@cedar-policy/cedar-wasm/nodejs';
import * as z from 'zod';
import { WorkflowSpecError } from '../errors.js';
import { isCatalogueAction, notInCatalogue } from '../workflow/catalogue.js';
import type { AutonomyLevel, RiskLevel, WorkflowSpec } from '../workflow/spec.js';
import {
  CEDAR_DATETIME,
  CEDAR_DECIMAL,
  type CedarAttributeType,
  type CedarRecordType,
  cedarRecordTypeOfZod,
} from './cedar-types.js';
import { toCedarRecord } from './cedar-values.js';
import { PolicyInputError } from './errors.js';
import { eventContextType } from './event-context.js';
import type { PolicyNow } from './now.js';

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
  /** Counts and measures of executed actions for the history key (`core/policy/history.ts`). */
  readonly history: Readonly<Record<string, number>>;
  /** The decision's time (`core/policy/now.ts`). */
  readonly now: PolicyNow;
  /** The admitted event; only the fields `data.policyMaySee` allows reach Cedar. */
  readonly event: unknown;
  /** The attributes of each grounding fact, by name. */
  readonly facts: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** The Cedar type of `context.now`. */
const NOW_TYPE: CedarRecordType = {
  type: 'Record',
  attributes: {
    datetime: { type: 'Extension', name: CEDAR_DATETIME },
    date: { type: 'String' },
    hour: { type: 'Long' },
    minute: { type: 'Long' },
    weekday: { type: 'String' },
    timezone: { type: 'String' },
  },
};

/** The Cedar type of each measure: a count is a Long; a sum takes its field's type. */
function historyAttributes(spec: WorkflowSpec): Record<string, CedarAttributeType> {
  const attributes: Record<string, CedarAttributeType> = {};
  const history = spec.grounding.history;
  for (const action of history?.actions ?? []) attributes[action] = { type: 'Long' };
  for (const [name, measure] of Object.entries(history?.measures ?? {})) {
    const field =
      measure.sum === undefined ? undefined : spec.actions[measure.action]?.input.shape[measure.sum];
    const integer = field instanceof z.ZodNumber && field.isInt;
    attributes[name] =
      measure.sum === undefined || integer ? { type: 'Long' } : { type: 'Extension', name: CEDAR_DECIMAL };
  }
  return attributes;
}

/** The Cedar type of `context.facts`: one record per fact, typed by its attributes schema. */
function factsType(spec: WorkflowSpec, problems: string[]): CedarRecordType {
  const attributes: Record<string, CedarAttributeType> = {};
  for (const [name, fact] of Object.entries(spec.grounding.facts)) {
    const type = cedarRecordTypeOfZod(fact.attributes, `grounding.facts.${name}.attributes`, problems);
    if (type !== undefined) attributes[name] = type;
  }
  return { type: 'Record', attributes };
}

/**
 * The context type of each action of the catalogue.
 * @throws WorkflowSpecError listing every input field that has no Cedar type,
 *   as `actions.<action>.input.<field>: ...`.
 */
export function cedarContextTypesFor(spec: WorkflowSpec): Readonly<Record<string, CedarRecordType>> {
  const problems: string[] = [];
  const history: CedarRecordType = { type: 'Record', attributes: historyAttributes(spec) };
  const event = eventContextType(spec, problems);
  const facts = factsType(spec, problems);
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
        history,
        now: NOW_TYPE,
        event,
        facts,
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
