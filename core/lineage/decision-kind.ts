/**
 * The kind of decision a lineage record attests, if it attests one: what the
 * sparse `byDecision` index of the lineage table is keyed by.
 *
 * Derived from the record's type and data alone, so it is never stored inside
 * the record (it is outside its hash) and any reader can recompute it.
 */

/** The decision kinds auditors look up, in the order they are usually asked about. */
export const DECISION_KINDS = ['denial', 'approval', 'override', 'escalation'] as const;

/** One of {@link DECISION_KINDS}. */
export type DecisionKind = (typeof DECISION_KINDS)[number];

/** What the kind is read from: a record's type and data, as stored. */
export interface DecidingRecord {
  readonly type: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/**
 * The decision kind of a record, or undefined when it is not a decision.
 *
 * - `denial`: the platform refused something: a gate verdict of DENY, an
 *   allowed action refused just before its effect, an approver's decision refused;
 * - `approval`: a person approved an action;
 * - `override`: a person rejected the action the agent proposed (what autonomy
 *   demotion counts as the humans overriding the agent);
 * - `escalation`: a run escalated, or an approval expired undecided.
 *
 * @example
 * decisionKindOf({ type: 'policy.evaluated', data: { decision: 'DENY' } }); // 'denial'
 */
export function decisionKindOf(record: DecidingRecord): DecisionKind | undefined {
  const decision = record.data?.decision;
  switch (record.type) {
    case 'policy.evaluated':
      return decision === 'DENY' ? 'denial' : undefined;
    case 'action.refused':
    case 'approval.refused':
      return 'denial';
    case 'approval.decided':
      if (decision === 'APPROVED') return 'approval';
      return decision === 'REJECTED' ? 'override' : undefined;
    case 'run.escalated':
    case 'approval.expired':
      return 'escalation';
    default:
      return undefined;
  }
}
