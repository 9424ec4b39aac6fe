/**
 * The source of the events awf puts on the platform bus.
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
