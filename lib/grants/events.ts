/**
 * `events:PutEvents` on the platform bus, limited to a workflow's own source.
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

/**
 * Grants `events:PutEvents` on `bus` when every entry carries the workflow's
 * source and, when given, one of the allowed detail-types.
 *
 * @throws InfrastructurePropsError when `detailTypes` is given but empty (a
 *   grant nothing may use is a bug, not least privilege).
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
    );
  }
  // `events:source` and `events:detail-type` are multivalued: one PutEvents call
  // carries the values of all its entries. ForAllValues makes every entry match;
  // the Null check stops a request without the key from passing vacuously.
  const values: Record<string, string[]> = {
    'events:source': [workflowEventSource(options.workflowId)],
    ...(options.detailTypes ? { 'events:detail-type': [...new Set(options.detailTypes)].sort() } : {}),
  };
  const conditions = {
    'ForAllValues:StringEquals': values,
    Null: Object.fromEntries(Object.keys(values).map((key) => [key, 'false'])),
  };
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['events:PutEvents'],
    resourceArns: [bus.eventBusArn],
    conditions,
  });
}
