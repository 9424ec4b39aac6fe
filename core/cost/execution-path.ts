/**
 * The states a run's execution entered, told from its lineage chain by
 * following the governed-workflow state machine's paths
 * (`statemachines/governed-workflow.asl.json`) step by step.
 *
 * Each Task state leaves a record (Admit `run.started`, Park `run.parked`,
 * Ground `context.grounded`, Plan `actions.proposed`, Gate `policy.evaluated`,
 * Request approval `approval.requested`, Act `action.executed`/`action.refused`,
 * Complete `run.completed`, Escalate `run.escalated`); the Choice and Pass
 * states between them follow from what those records say, and the run's ending
 * (its reason and status) names the branch it left by.
 *
 * What the chain does not show, and so is not counted: a state entered again
 * by a Retry (a retried Task writes its record once, and Step Functions bills
 * each retry as a transition). The figure is the transitions of the same run
 * without retries.
 */
import { AwfError } from '../errors.js';
import { recordsOfType } from '../lineage/read.js';
import type { LineageRecord } from '../lineage/record.js';
import type { EscalationReason, RunStatus } from '../steps/contracts.js';

/** How a run ended, as Complete or Escalate closes it. */
export type RunEnding =
  | { readonly kind: 'completed' }
  | { readonly kind: 'escalated'; readonly reason: EscalationReason; readonly status: RunStatus };

/** A chain whose states cannot be told: it holds no run, or no ending and none was given. */
export class ExecutionPathError extends AwfError {
  constructor(message: string) {
    super(message);
    this.name = 'ExecutionPathError';
  }
}

/** The Task states that invoke a Lambda function once each time they are entered. */
export const LAMBDA_TASK_STATES: ReadonlySet<string> = new Set([
  'Admit event',
  'Park until resumed',
  'Ground context',
  'Plan actions',
  'Gate proposals',
  'Request approval',
  'Act on actions',
  'Complete run',
  'Escalate run',
]);

/** The Pass state each escalation reason goes through on its way to Escalate. */
const ESCALATION_PASS: Readonly<Record<EscalationReason, string>> = {
  POLICY_DENIED: 'Policy denied',
  APPROVAL_REJECTED: 'Approval rejected',
  APPROVAL_EXPIRED: 'Approval expired',
  INVALID_MODEL_OUTPUT: 'Invalid model output',
  MAX_ITERATIONS: 'Iteration limit reached',
  STEP_FAILED: 'Step failed',
  ACTION_REFUSED: 'Action refused',
  MODEL_UNAVAILABLE: 'Model unavailable',
  BUDGET_EXCEEDED: 'Budget exceeded',
};

/** Reasons Plan outcome sends to escalation: Plan answered, with no plan recorded. */
const PLAN_OUTCOME_REASONS: ReadonlySet<EscalationReason> = new Set([
  'INVALID_MODEL_OUTPUT',
  'MODEL_UNAVAILABLE',
  'BUDGET_EXCEEDED',
]);

/** Where an iteration's path went: on to the next iteration, or to one of the closing Tasks. */
type IterationExit = 'loop' | 'complete' | 'escalate';

/** The ending a chain records, if it records one. */
export function recordedEnding(chain: readonly LineageRecord[]): RunEnding | undefined {
  if (recordsOfType(chain, 'run.completed').length > 0) return { kind: 'completed' };
  const escalated = recordsOfType(chain, 'run.escalated')[0];
  return escalated && { kind: 'escalated', reason: escalated.data.reason, status: escalated.data.status };
}

/** The records of one run the path reads, by iteration. */
function iterationsOf(chain: readonly LineageRecord[]) {
  const plans = recordsOfType(chain, 'actions.proposed');
  const verdicts = recordsOfType(chain, 'policy.evaluated');
  const requested = recordsOfType(chain, 'approval.requested');
  const decided = recordsOfType(chain, 'approval.decided');
  const executed = recordsOfType(chain, 'action.executed');
  return {
    grounded: recordsOfType(chain, 'context.grounded').length,
    plan: (iteration: number) => plans.find(({ data }) => data.iteration === iteration)?.data,
    verdicts: (iteration: number) =>
      verdicts.filter(({ data }) => data.iteration === iteration).map(({ data }) => data),
    /** The approvals requested for the iteration's proposals (a proposal id belongs to one iteration). */
    approvalsRequested: (proposalIds: ReadonlySet<string>) =>
      requested.filter(({ data }) => proposalIds.has(data.proposalId)).map(({ data }) => data.approvalId),
    approved: (approvalId: string) => {
      const decisions = decided.filter(({ data }) => data.approvalId === approvalId).map(({ data }) => data);
      return (
        decisions.some((d) => d.decision === 'APPROVED') && decisions.every((d) => d.decision !== 'REJECTED')
      );
    },
    executed: (iteration: number) =>
      new Set(executed.filter(({ data }) => data.iteration === iteration).map(({ data }) => data.proposalId)),
  };
}

/**
 * The names of the states a run's execution entered, in order, as the state
 * machine's paths and the run's records tell them.
 *
 * Counted as the state machine enters them: admission (Admit event,
 * Admitted?, and Park until resumed for a parked run); per iteration Ground
 * context, Plan actions, Plan outcome, then for proposals Gate proposals and
 * Gate outcome, the approvals Map with one Request approval per proposal
 * waiting for approval, Act on actions and Finished?, and Next iteration and
 * Iterations left? when it loops; then Complete run and Run completed, or
 * the reason's Pass state, Escalate run, Run failed? and Run escalated or Run
 * failed. An event Admit rejected or found a duplicate enters its three states.
 *
 * A failed step (`STEP_FAILED`) is placed at the first Task on the path whose
 * work the chain does not show done: a grounding or Plan without its record,
 * Gate without its verdicts, the approvals Map with an approval not requested
 * or not approved, Act with an executable proposal not executed; after a
 * whole iteration, Complete when the agent's finish stood (it finished with
 * proposals that all ran), else the next iteration's grounding. A Park that
 * failed counts as that grounding: the same number of states.
 *
 * @param chain the run's lineage records in `seq` order
 * @param ending how the run ends; by default, the ending its chain records
 *   (Complete and Escalate pass it, as they count before recording it)
 * @throws ExecutionPathError when the chain holds no run, or no ending and none is given
 */
export function statesEnteredOf(
  chain: readonly LineageRecord[],
  ending: RunEnding | undefined = recordedEnding(chain),
): string[] {
  const types = new Set(chain.map((record) => record.type));
  const chainId = chain[0]?.chainId ?? '(empty chain)';
  if (types.has('event.rejected')) return ['Admit event', 'Admitted?', 'Event rejected'];
  if (!types.has('run.started')) {
    if (types.has('event.duplicate')) return ['Admit event', 'Admitted?', 'Duplicate event'];
    throw new ExecutionPathError(
      `chain ${chainId} holds no run.started: no run's states can be told from it`,
    );
  }
  if (ending === undefined) {
    throw new ExecutionPathError(
      `run ${chainId} has not ended by Complete or Escalate (no run.completed or run.escalated): its path is not known yet`,
    );
  }
  const escalation = ending.kind === 'escalated' ? ending.reason : undefined;
  const failed = escalation === 'STEP_FAILED';
  const run = iterationsOf(chain);
  const states = ['Admit event', 'Admitted?'];
  if (types.has('run.parked')) states.push('Park until resumed');

  /** One iteration's states, from grounding to where it leaves. */
  const iteration = (index: number, last: boolean): IterationExit => {
    states.push('Ground context', 'Plan actions');
    const plan = run.plan(index);
    if (plan === undefined) {
      // No plan recorded: Plan answered INVALID, MODEL_UNAVAILABLE or BUDGET_EXCEEDED, or it failed.
      if (escalation !== undefined && PLAN_OUTCOME_REASONS.has(escalation)) states.push('Plan outcome');
      return 'escalate';
    }
    states.push('Plan outcome');
    if (plan.outcome === 'FINISHED') return 'complete';
    states.push('Gate proposals');
    const verdicts = run.verdicts(index);
    if (plan.proposals.length > 0 && verdicts.length === 0) return 'escalate'; // Gate failed
    states.push('Gate outcome');
    const live = verdicts.filter((verdict) => !verdict.shadow);
    if (live.some(({ decision }) => decision === 'DENY')) return 'escalate';
    const pending = live.filter(({ decision }) => decision === 'REQUIRE_APPROVAL');
    if (pending.length > 0) {
      // The Map's items are the pending verdicts, all started at once: one approval requested each.
      states.push('Request approvals', ...pending.map(() => 'Request approval'));
      if (last && (escalation === 'APPROVAL_REJECTED' || escalation === 'APPROVAL_EXPIRED'))
        return 'escalate';
      const approvals = run.approvalsRequested(new Set(pending.map(({ proposalId }) => proposalId)));
      const mapDone = approvals.length === pending.length && approvals.every(run.approved);
      if (last && failed && !mapDone) return 'escalate';
    }
    // Gate outcome's default: nothing to run (no proposals, or all shadowed) closes the run.
    if (live.length === 0) return 'complete';
    states.push('Act on actions');
    if (last && escalation === 'ACTION_REFUSED') return 'escalate';
    const executed = run.executed(index);
    if (last && failed && !live.every(({ proposalId }) => executed.has(proposalId))) return 'escalate';
    states.push('Finished?');
    if (!last) return 'loop';
    if (ending.kind === 'completed') return 'complete';
    if (failed) {
      const finishStood =
        plan.finish !== undefined && plan.proposals.every(({ proposalId }) => executed.has(proposalId));
      return finishStood ? 'complete' : 'loop';
    }
    return escalation === 'MAX_ITERATIONS' ? 'loop' : 'escalate';
  };

  // Before the first iteration the path stands where a loop leads: at the grounding.
  let exit: IterationExit = 'loop';
  for (let index = 0; index < run.grounded; index++) {
    exit = iteration(index, index === run.grounded - 1);
    if (exit === 'loop') states.push('Next iteration', 'Iterations left?');
    else break;
  }
  // Where the path stands at a grounding the chain does not show, that grounding failed
  // (or the run found no iteration left: the Pass state below).
  if (exit === 'loop' && failed) states.push('Ground context');

  if (ending.kind === 'completed') {
    states.push('Complete run', 'Run completed');
    return states;
  }
  // Complete failing is a step failure like any other: its Task was entered first.
  if (exit === 'complete' && failed) states.push('Complete run');
  states.push(
    ESCALATION_PASS[ending.reason],
    'Escalate run',
    'Run failed?',
    ending.status === 'FAILED' ? 'Run failed' : 'Run escalated',
  );
  return states;
}
