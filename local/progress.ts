/**
 * Live progress of the local cloud's runs, for people watching `awf local up`:
 * one line per state an execution enters (workflow, entity id, state name)
 * and one line when it ends, saying how.
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { readEventPath } from '../core/redaction.js';
import type { LocatedWorkflowPack } from '../workflows/discover.js';
import type { ExecutionDescription, LocalExecution, LocalStepFunctions } from './stepfunctions/index.js';

/** How an execution of the governed workflow ended, in the words of a run. */
export interface ExecutionOutcome {
  /**
   * The run's terminal status (`COMPLETED`, `ESCALATED`, `REJECTED`, `FAILED`), or for
   * executions that opened no run: `EVENT_REJECTED` (Admit refused the event) or
   * `DUPLICATE` (another execution already ran it); `EXECUTION_<status>` otherwise.
   */
  readonly outcome: string;
  /** The run id, when the execution opened or found one. */
  readonly runId?: string;
  /** One line for people. */
  readonly summary: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Reads how an ended execution of the governed workflow went from its output or error. */
export function executionOutcome(description: ExecutionDescription): ExecutionOutcome {
  const output = parseJson(description.output);
  if (description.status === 'SUCCEEDED' && isRecord(output)) {
    const result = output.result;
    if (isRecord(result) && typeof result.status === 'string') {
      const runId = typeof result.runId === 'string' ? result.runId : undefined;
      return { outcome: result.status, runId, summary: `${result.status} ${runId ?? ''}`.trim() };
    }
    if (output.outcome === 'DUPLICATE') {
      const runId = typeof output.runId === 'string' ? output.runId : undefined;
      return {
        outcome: 'DUPLICATE',
        runId,
        summary: `duplicate event: ${runId ?? 'its run'} already ran it`,
      };
    }
  }
  if (description.status === 'FAILED' && description.error === 'AWF.EventRejected') {
    return { outcome: 'EVENT_REJECTED', summary: 'event rejected: it does not match the trigger (no run)' };
  }
  if (description.status === 'FAILED' && description.error === 'AWF.RunFailed') {
    return { outcome: 'FAILED', summary: 'FAILED: a step failed after its retries (see awf audit trail)' };
  }
  const why = [description.error, description.cause].filter(Boolean).join(': ');
  return {
    outcome: `EXECUTION_${description.status}`,
    summary: `execution ${description.status}${why ? ` (${why.slice(0, 200)})` : ''}`,
  };
}

/** Which workflow each state machine runs, and where each workflow keeps its entity id. */
export interface ProgressContext {
  /** State machine ARN -> workflow id. */
  readonly workflowsByStateMachine: ReadonlyMap<string, string>;
  readonly packs: readonly LocatedWorkflowPack[];
}

/** The workflow and entity an execution is about, read from its input. */
export function executionSubject(
  execution: Pick<LocalExecution, 'stateMachineArn' | 'input'>,
  context: ProgressContext,
): { workflowId: string; entityId: string } {
  const workflowId =
    context.workflowsByStateMachine.get(execution.stateMachineArn) ??
    execution.stateMachineArn.split(':').pop() ??
    '?';
  const spec = context.packs.find(({ pack }) => pack.spec.id === workflowId)?.pack.spec;
  let entityId: unknown;
  try {
    entityId = spec ? readEventPath(parseJson(execution.input), spec.entityKey) : undefined;
  } catch {
    entityId = undefined;
  }
  return {
    workflowId,
    entityId: typeof entityId === 'string' || typeof entityId === 'number' ? String(entityId) : '-',
  };
}

function stateEntered(event: HistoryEvent): string | undefined {
  return event.type?.endsWith('StateEntered') ? event.stateEnteredEventDetails?.name : undefined;
}

/**
 * Prints the progress of every execution started from now on.
 * @returns a function that stops watching
 * @example
 * const stop = watchProgress(sfn.stepFunctions, context, console.log);
 */
export function watchExecutions(
  stepFunctions: LocalStepFunctions,
  context: ProgressContext,
  log: (line: string) => void,
): () => void {
  const onExecution = (execution: LocalExecution) => {
    const { workflowId, entityId } = executionSubject(execution, context);
    const prefix = `  ${workflowId} ${entityId}`;
    const onHistory = (event: HistoryEvent) => {
      const state = stateEntered(event);
      if (state !== undefined) log(`${prefix}  ${state}`);
    };
    execution.on('history', onHistory);
    void execution.settled.then((description) => {
      execution.off('history', onHistory);
      const seconds =
        ((description.stopDate ?? new Date()).getTime() - description.startDate.getTime()) / 1000;
      log(`${prefix}  => ${executionOutcome(description).summary} (${seconds.toFixed(1)} s)`);
    });
  };
  stepFunctions.on('execution', onExecution);
  return () => {
    stepFunctions.off('execution', onExecution);
  };
}

/** Prints the progress of every execution of a local cloud. @returns a function that stops watching */
export function watchProgress(
  cloud: {
    readonly stepFunctions: { readonly stepFunctions: LocalStepFunctions };
    readonly state: { readonly workflows: Readonly<Record<string, { readonly stateMachineArn: string }>> };
    readonly packs: readonly LocatedWorkflowPack[];
  },
  log: (line: string) => void,
): () => void {
  const workflowsByStateMachine = new Map(
    Object.entries(cloud.state.workflows).map(([id, w]) => [w.stateMachineArn, id]),
  );
  return watchExecutions(
    cloud.stepFunctions.stepFunctions,
    { workflowsByStateMachine, packs: cloud.packs },
    log,
  );
}
