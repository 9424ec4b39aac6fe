/**
 * The events awf itself puts on the platform bus: their source and detail-types.
 *
 * Every step that publishes (the action connectors, approval requests and
 * reminders, completion and escalation) uses it, and the steps' PutEvents
 * grant (`lib/grants/events.ts`) allows exactly it: one derivation, so the
 * events and the permission to put them cannot drift apart.
 */

/**
 * The `source` of every event a workflow puts on the bus: `awf.<workflow id>`.
 * @example workflowEventSource('refund-triage') // 'awf.refund-triage'
 */
export function workflowEventSource(workflowId: string): string {
  return `awf.${workflowId}`;
}

/**
 * The detail-types of the events the platform itself emits. Consumers trust
 * them as the platform's word, so no action connector may emit one.
 */
export const PLATFORM_DETAIL_TYPES = {
  workflowCompleted: 'WorkflowCompleted',
  workflowEscalated: 'WorkflowEscalated',
  approvalRequested: 'ApprovalRequested',
  approvalReminder: 'ApprovalReminder',
  approvalEscalated: 'ApprovalEscalated',
} as const;
