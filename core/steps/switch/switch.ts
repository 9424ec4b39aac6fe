/**
 * The switch step: the only writer of a workflow's kill switch.
 *
 * An operator invokes this function (in AWS only a principal given
 * `GovernedWorkflow.grantOperate` may) to halt the workflow, put it in
 * approve-all mode, or let it run again. The step stores the new state as the
 * workflow's switch item in the runs table (the `switch` partition, which no
 * other role may write) and records the change as `workflow.switched` in the
 * workflow's switch chain (`switch#<workflowId>`), MACed with its own record
 * key. So the switch Gate and Act read and the evidence of who set it, when
 * and why come from one writer, and the lineage registry's rule holds: one
 * record type, one writer step, whose role alone may MAC it.
 *
 * The record is appended before the item is written: a crash between the two
 * leaves a recorded change that did not take effect (the operator sees the
 * error and sets it again), never a switch in force that the lineage does not
 * show.
 */
import { z } from 'zod';
import { AwfError } from '../../errors.js';
import { lineageWriter } from '../../lineage/writer.js';
import {
  SWITCH_MODES,
  type SwitchMode,
  switchModeOf,
  type WorkflowSwitchRecord,
} from '../../policy/switch.js';
import { defineStep } from '../step-definition.js';

/** The lineage chain of a workflow's switch changes. */
export function switchChainId(workflowId: string): string {
  return `switch#${workflowId}`;
}

/** What an operator asks of the switch step. */
export const switchInputSchema = z.strictObject({
  /** The workflow it is asked of: must be this function's own, so a request cannot land on another. */
  workflowId: z.string().min(1),
  mode: z.enum(SWITCH_MODES),
  /** Why; recorded for auditors. */
  reason: z
    .string()
    .trim()
    .min(1, 'a reason is required: it is recorded for auditors')
    .max(1000, 'a reason is at most 1000 characters'),
  /** Who asks, as the operator names themself (the invoke permission is the authority). */
  operator: z.string().trim().min(1, 'the operator must be named').max(200),
});

/** What the switch step answers. */
export interface SwitchResult {
  readonly workflowId: string;
  /** The mode before this change (`run` when never set). */
  readonly previous: SwitchMode;
  readonly switch: WorkflowSwitchRecord;
}

/** The switch step: see the module comment. */
export const switchStep = defineStep({
  name: 'switch',
  input: switchInputSchema,
  ports: {
    runs: { writes: ['switch'] },
    lineage: 'append',
    recordKeys: 'sign',
  },
  build(pack, ports) {
    const { spec } = pack;
    const writer = lineageWriter('switch', ports.lineage, ports.clock, ports.recordKeys);
    return async (input): Promise<SwitchResult> => {
      if (input.workflowId !== spec.id) {
        throw new SwitchRequestError(
          `this is the switch of workflow ${spec.id}; the request names workflow ${input.workflowId}`,
        );
      }
      const previous = switchModeOf(spec.id, await ports.runs.getSwitch(spec.id));
      const record: WorkflowSwitchRecord = {
        workflowId: spec.id,
        mode: input.mode,
        since: ports.clock().toISOString(),
        reason: input.reason,
        by: input.operator,
      };
      await writer.append(switchChainId(spec.id), {
        type: 'workflow.switched',
        actor: `human:${input.operator}`,
        workflowId: spec.id,
        entityId: spec.id,
        versions: { workflowVersion: spec.version },
        data: { mode: input.mode, previous, reason: input.reason },
      });
      await ports.runs.putSwitch(record);
      return { workflowId: spec.id, previous, switch: record };
    };
  },
  measure(output, metrics) {
    metrics.count(output.switch.mode === 'run' ? 'WorkflowResumed' : 'WorkflowSwitched', 1);
  },
});

/** A switch request the step cannot carry out as asked (another workflow's). */
export class SwitchRequestError extends AwfError {
  constructor(message: string) {
    super(message);
    this.name = 'SwitchRequestError';
  }
}
