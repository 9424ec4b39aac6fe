/**
 * `awf workflows pause | resume | status`: the kill switch of a workflow.
 *
 * Pause and resume invoke the workflow's switch function (in AWS only a
 * principal given `grantOperate` may), which writes the switch item and
 * records the change in the lineage; the CLI never writes the runs table.
 * Status reads the switch items.
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { type SwitchMode, switchModeOf } from '../../core/policy/switch.js';
import type { SwitchResult } from '../../core/steps/switch/switch.js';
import { type OutputOptions, print, renderTable } from '../output.js';
import { storesOf } from '../stores.js';
import type { Target } from '../target.js';

/** The modes `awf workflows pause --mode` takes. */
export const PAUSE_MODES = ['halt', 'approve-all'] as const;

/** Options of `awf workflows pause | resume`. */
export interface SwitchOptions extends OutputOptions {
  readonly mode?: string;
  readonly reason?: string;
  /** Who you are, recorded as the operator (default: the OS user). */
  readonly as?: string;
}

/** A validated switch request. */
export interface SwitchRequest {
  readonly workflowId: string;
  readonly mode: SwitchMode;
  readonly reason: string;
  readonly operator: string;
}

/**
 * Checks a pause or resume request before anything is invoked.
 * @throws Error naming what was wrong: the workflow, the mode or the reason.
 */
export function switchRequestOf(
  target: Pick<Target, 'workflows'>,
  command: 'pause' | 'resume',
  workflowId: string,
  options: SwitchOptions,
  defaultOperator: string,
): SwitchRequest {
  if (!workflowId) throw new Error(`awf workflows ${command} needs a workflow id`);
  if (!target.workflows[workflowId]) {
    throw new Error(
      `no workflow ${workflowId} on this target; it runs ${Object.keys(target.workflows).sort().join(', ') || 'none'}`,
    );
  }
  let mode: SwitchMode = 'run';
  if (command === 'pause') {
    const asked = options.mode ?? 'halt';
    if (!(PAUSE_MODES as readonly string[]).includes(asked)) {
      throw new Error(`--mode must be one of ${PAUSE_MODES.join(', ')}, got ${JSON.stringify(asked)}`);
    }
    mode = asked as SwitchMode;
  } else if (options.mode !== undefined) {
    throw new Error('--mode is for pause only: resume always lets the workflow run normally');
  }
  const reason = options.reason?.trim() ?? '';
  if (!reason)
    throw new Error(`--reason is required: why you ${command} ${workflowId} is recorded for auditors`);
  if (reason.length > 1000) throw new Error(`--reason must be at most 1000 characters, got ${reason.length}`);
  const operator = (options.as ?? defaultOperator).trim();
  if (!operator) throw new Error('--as is required: who you are is recorded as the operator');
  return { workflowId, mode, reason, operator };
}

/**
 * Pauses or resumes a workflow through its switch function.
 * @throws Error with the function's own message when it refuses.
 */
export async function setSwitch(
  target: Target,
  request: SwitchRequest,
  options: OutputOptions,
): Promise<void> {
  const functionName = target.workflows[request.workflowId]?.switchFunction;
  if (!functionName) {
    throw new Error(
      `workflow ${request.workflowId} has no switch function on this target; is it deployed by this version?`,
    );
  }
  const answer = await target.clients.lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      Payload: new TextEncoder().encode(JSON.stringify(request)),
    }),
  );
  const body: unknown = answer.Payload ? JSON.parse(new TextDecoder().decode(answer.Payload)) : null;
  if (answer.FunctionError) {
    const { errorType, errorMessage } = (body ?? {}) as { errorType?: string; errorMessage?: string };
    throw new Error(
      `the switch of ${request.workflowId} refused: ${errorType ?? 'Error'}: ${errorMessage ?? 'no message'}`,
    );
  }
  const result = body as SwitchResult;
  print(result, options, () =>
    result.switch.mode === 'run'
      ? `${request.workflowId} runs normally again (it was ${result.previous}); recorded as ${result.switch.by}`
      : `${request.workflowId} is now ${result.switch.mode} (it was ${result.previous}); recorded as ${result.switch.by}`,
  );
}

/** Shows the switch of one workflow, or of every workflow of the target. */
export async function switchStatus(
  target: Target,
  workflowId: string | undefined,
  options: OutputOptions,
): Promise<void> {
  const ids = workflowId ? [workflowId] : Object.keys(target.workflows).sort();
  if (workflowId && !target.workflows[workflowId]) {
    throw new Error(
      `no workflow ${workflowId} on this target; it runs ${Object.keys(target.workflows).sort().join(', ') || 'none'}`,
    );
  }
  const { runs } = storesOf(target);
  const rows = await Promise.all(
    ids.map(async (id) => {
      const stored = await runs.getSwitch(id);
      return {
        workflowId: id,
        mode: switchModeOf(id, stored),
        since: stored?.since ?? '',
        by: stored?.by ?? '',
        reason: stored?.reason ?? '',
      };
    }),
  );
  print(rows, options, (shown) =>
    renderTable(shown, [
      { heading: 'workflow', value: (r) => r.workflowId },
      { heading: 'mode', value: (r) => r.mode },
      { heading: 'since', value: (r) => r.since },
      { heading: 'by', value: (r) => r.by },
      { heading: 'reason', value: (r) => r.reason },
    ]),
  );
}
