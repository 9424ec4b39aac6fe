/**
 * `awf workflows pause | resume | status`: the kill switch of a workflow.
 *
 * Pause and resume call the workflow's operations endpoint (a function URL
 * with `AWS_IAM` auth), signed with SigV4: in AWS with your own credentials
 * (a session of the workflow's operator role, or of an Identity Center role
 * the stack trusts), locally with the local identity `--as` names. The
 * switch function records the change with the identity AWS authenticated,
 * and resume releases the runs parked while the workflow was halted; the CLI
 * never writes the runs table. Status reads the switch items and the parked
 * runs.
 */
import type { SwitchBody } from '../../core/operations/endpoint-protocol.js';
import { type SwitchMode, switchModeOf } from '../../core/policy/switch.js';
import type { SwitchResult } from '../../core/steps/switch/switch.js';
import { callEndpoint, signerFor } from '../approvals-endpoint.js';
import { type OutputOptions, print, renderTable } from '../output.js';
import { storesOf } from '../stores.js';
import type { Target } from '../target.js';

/** The modes `awf workflows pause --mode` takes. */
export const PAUSE_MODES = ['halt', 'approve-all'] as const;

/** Options of `awf workflows pause | resume`. */
export interface SwitchOptions extends OutputOptions {
  readonly mode?: string;
  readonly reason?: string;
  /** Locally: whose local operator identity signs (in AWS your credentials say who you are). */
  readonly as?: string;
}

/** A validated switch request. */
export interface SwitchRequest extends SwitchBody {
  readonly workflowId: string;
  readonly mode: SwitchMode;
  /** The local identity that signs (local cloud only). */
  readonly as?: string;
}

/**
 * Checks a pause or resume request before anything is sent.
 * @throws Error naming what was wrong: the workflow, the mode or the reason.
 */
export function switchRequestOf(
  target: Pick<Target, 'workflows'>,
  command: 'pause' | 'resume',
  workflowId: string,
  options: SwitchOptions,
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
  return { workflowId, mode, reason, ...(options.as === undefined ? {} : { as: options.as }) };
}

/**
 * Pauses or resumes a workflow through its operations endpoint.
 * @throws Error with the endpoint's own message when it refuses.
 */
export async function setSwitch(
  target: Target,
  request: SwitchRequest,
  options: OutputOptions,
): Promise<void> {
  const endpoint = target.workflows[request.workflowId]?.operationsUrl;
  if (!endpoint) {
    throw new Error(
      `workflow ${request.workflowId} has no operations endpoint on this target; is it deployed by this version?`,
    );
  }
  const signer = signerFor(target, request.workflowId, request.as, 'operator');
  const answer = await callEndpoint(
    target.region,
    endpoint,
    signer,
    { method: 'PUT', path: 'switch', body: { mode: request.mode, reason: request.reason } },
    'the operations endpoint',
  );
  if (answer.status !== 200) {
    throw new Error(`the switch of ${request.workflowId} refused: ${answer.message}`);
  }
  const { result } = answer.body as { result: SwitchResult };
  const released = result.released.length > 0 ? `; released ${result.released.length} parked run(s)` : '';
  print(result, options, () =>
    result.switch.mode === 'run'
      ? `${request.workflowId} runs normally again (it was ${result.previous}); recorded as ${result.switch.by}${released}`
      : `${request.workflowId} is now ${result.switch.mode} (it was ${result.previous}); recorded as ${result.switch.by}${released}`,
  );
}

/** Shows the switch of one workflow, or of every workflow of the target, with its parked runs. */
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
      const [stored, parked] = await Promise.all([runs.getSwitch(id), runs.listParkedRuns(id)]);
      return {
        workflowId: id,
        mode: switchModeOf(id, stored),
        since: stored?.since ?? '',
        by: stored?.by ?? '',
        reason: stored?.reason ?? '',
        parked: parked.length,
      };
    }),
  );
  print(rows, options, (shown) =>
    renderTable(shown, [
      { heading: 'workflow', value: (r) => r.workflowId },
      { heading: 'mode', value: (r) => r.mode },
      { heading: 'since', value: (r) => r.since },
      { heading: 'by', value: (r) => r.by },
      { heading: 'parked', value: (r) => String(r.parked) },
      { heading: 'reason', value: (r) => r.reason },
    ]),
  );
}
