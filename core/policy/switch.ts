/**
 * The kill switch: an operator's state per workflow, which every decision reads.
 *
 * `run` is normal operation; `halt` stops every new effect (Gate denies every
 * proposal, Act refuses to run one; new events still run to a recorded
 * escalation, as parking them until resume is not built yet);
 * `approve-all` sends every action a decision allows to a human first. The
 * state is a trusted fact: the runs table's switch item, which only the
 * switch step writes (its Lambda is what an operator invokes), never anything
 * the model says.
 *
 * Applied inside `decide` (`core/policy/decide.ts`), after everything else,
 * so Gate records and Act re-checks the same rule, and it can only make a
 * decision stricter.
 */
/** The states an operator may put a workflow in. */
export const SWITCH_MODES = ['run', 'halt', 'approve-all'] as const;

/** One of {@link SWITCH_MODES}. */
export type SwitchMode = (typeof SWITCH_MODES)[number];

/** A workflow's switch as the runs table stores it (absent: `run`). */
export interface WorkflowSwitchRecord {
  readonly workflowId: string;
  readonly mode: SwitchMode;
  /** When the operator set it (ISO-8601). */
  readonly since: string;
  /** Why, as the operator said it; recorded for auditors. */
  readonly reason: string;
  /** Who set it, as the operator named themself (the switch function's invoke permission is the authority). */
  readonly by: string;
}

/** The reason a decision records when a halt denied it. */
export const HALTED_REASON = 'workflow halted by the operator';
/** The reason a decision records when approve-all turned an ALLOW into REQUIRE_APPROVAL. */
export const APPROVE_ALL_REASON = 'workflow in approve-all mode';

/** What the switch did to a decision, as the decision records it. */
export interface SwitchEffect {
  readonly mode: Exclude<SwitchMode, 'run'>;
  readonly reason: string;
}

/**
 * The mode a stored switch puts a workflow in: `run` when there is none.
 * A record of another workflow, or with a mode this version does not know,
 * is a halt: a switch that cannot be read must not let actions run.
 */
export function switchModeOf(workflowId: string, stored: WorkflowSwitchRecord | undefined): SwitchMode {
  if (stored === undefined) return 'run';
  if (stored.workflowId !== workflowId) return 'halt';
  return (SWITCH_MODES as readonly string[]).includes(stored.mode) ? stored.mode : 'halt';
}
