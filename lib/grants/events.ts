/**
 * `events:PutEvents` on the platform bus, limited to given sources and
 * detail-types: a workflow's own source for its steps, a trigger's source and
 * detail-type for whoever may start its runs.
 *
 * Every entry of a PutEvents call must match, so a step holding this grant
 * cannot impersonate another workflow or a business system (for example emit
 * `acme.payments` / `RefundRequested` and start runs of its own), not even by
 * hiding one such entry among legitimate ones.
 */
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { workflowEventSource } from '../../core/platform-events.js';
import { InfrastructurePropsError } from '../errors.js';

/** Which events the grantee may put. */
export interface PutWorkflowEventsOptions {
  /** The workflow whose source (`awf.<id>`) the events must carry. */
  readonly workflowId: string;
  /**
   * The only `detail-type`s allowed.
   * @default - any detail-type, as long as the source is the workflow's
   */
  readonly detailTypes?: readonly string[];
}

/** Which events a grantee may put: every entry of a call must match. */
export interface PutEventsMatching {
  /** The only `source`s allowed. */
  readonly sources: readonly string[];
  /**
   * The only `detail-type`s allowed.
   * @default - any detail-type, as long as the source is allowed
   */
  readonly detailTypes?: readonly string[];
}

/**
 * Grants `events:PutEvents` on `bus` when every entry of the call carries one
 * of the allowed sources and, when given, one of the allowed detail-types.
 *
 * @throws InfrastructurePropsError naming the bus when a list is given empty
 *   (a grant nothing may use is a bug, not least privilege).
 * @example
 * grantPutEventsMatching(bus, billingRole, { sources: ['acme.payments'], detailTypes: ['RefundRequested'] });
 */
export function grantPutEventsMatching(
  bus: events.IEventBus,
  grantee: iam.IGrantable,
  matching: PutEventsMatching,
): iam.Grant {
  if (matching.sources.length === 0) {
    throw new InfrastructurePropsError('sources must list at least one event source, got []', bus);
  }
  if (matching.detailTypes !== undefined && matching.detailTypes.length === 0) {
    throw new InfrastructurePropsError(
      `detailTypes must list at least one detail-type when given, got [] for source ${matching.sources.join(', ')}`,
      bus,
    );
  }
  // `events:source` and `events:detail-type` are multivalued: one PutEvents call
  // carries the values of all its entries. ForAllValues makes every entry match;
  // the Null check stops a request without the key from passing vacuously.
  const values: Record<string, string[]> = {
    'events:source': [...new Set(matching.sources)].sort(),
    ...(matching.detailTypes ? { 'events:detail-type': [...new Set(matching.detailTypes)].sort() } : {}),
  };
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['events:PutEvents'],
    resourceArns: [bus.eventBusArn],
    conditions: {
      'ForAllValues:StringEquals': values,
      Null: Object.fromEntries(Object.keys(values).map((key) => [key, 'false'])),
    },
  });
}

/**
 * Grants `events:PutEvents` on `bus` when every entry carries the workflow's
 * source and, when given, one of the allowed detail-types.
 *
 * @throws InfrastructurePropsError naming the bus when `detailTypes` is given
 *   but empty (a grant nothing may use is a bug, not least privilege).
 * @example
 * grantPutWorkflowEvents(bus, actFunction, { workflowId: 'refund-triage', detailTypes: ['RefundIssued'] });
 */
export function grantPutWorkflowEvents(
  bus: events.IEventBus,
  grantee: iam.IGrantable,
  options: PutWorkflowEventsOptions,
): iam.Grant {
  if (options.detailTypes !== undefined && options.detailTypes.length === 0) {
    throw new InfrastructurePropsError(
      `detailTypes must list at least one detail-type when given, got [] for workflow ${options.workflowId}`,
      bus,
    );
  }
  return grantPutEventsMatching(bus, grantee, {
    sources: [workflowEventSource(options.workflowId)],
    detailTypes: options.detailTypes,
  });
}
