/**
 * The switch step: the only writer of a workflow's kill switch, served as the
 * workflow's operations endpoint (a Lambda function URL with `AWS_IAM` auth;
 * `core/operations/endpoint-protocol.ts`).
 *
 * The operator is who AWS says signed the request: a session of a trusted
 * operator role, named by its session name (`callers` port, as for approvers),
 * never a name in the request. In AWS only a principal given
 * `GovernedWorkflow.grantOperate` can reach the URL, and no role may invoke
 * the function directly.
 *
 * A change is recorded as `workflow.switched` in the workflow's switch chain
 * (`switch#<workflowId>`), with the operator's authenticated identity, before
 * the switch item is written: a crash between the two leaves a recorded
 * change that did not take effect (the operator sees the error and sets it
 * again), never a switch in force that the lineage does not show.
 *
 * Leaving a halt releases the parked runs (`core/runs/parked.ts`): each
 * sealed task token is opened and answered, so the run goes on to ground and
 * plan under the new mode. Releasing is repeated by every change that is not
 * a halt, so runs a failed release left behind are released by the next.
 */
import * as z from 'zod';
import { lineageWriter } from '../../lineage/writer.js';
import { OPERATIONS_OUTCOME_HEADER } from '../../operations/endpoint-protocol.js';
import { switchModeOf, type WorkflowSwitchRecord } from '../../policy/switch.js';
import { parkedTokenContext } from '../../runs/parked.js';
import { isTokenGone } from '../park/park.js';
import type { PortsFor } from '../ports.js';
import { defineStep } from '../step-definition.js';
import { operationsEndpoint } from './endpoint.js';
import { ReleaseError, type WorkflowSwitchOperations } from './operations.js';

export {
  ReleaseError,
  type SwitchResult,
  type SwitchStatus,
  type WorkflowSwitchOperations,
} from './operations.js';

/** The lineage chain of a workflow's switch changes. */
export function switchChainId(workflowId: string): string {
  return `switch#${workflowId}`;
}

const switchNeeds = {
  runs: { writes: ['switch', 'parked'] },
  lineage: 'append',
  recordKeys: 'sign',
  tokens: 'open',
  callbacks: 'answer',
  callers: 'identify',
} as const;

/** Builds the switch operations of a workflow (see the module comment). */
export function createSwitchOperations(
  workflowId: string,
  workflowVersion: string,
  ports: Omit<PortsFor<typeof switchNeeds>, 'callers'>,
): WorkflowSwitchOperations {
  const writer = lineageWriter('switch', ports.lineage, ports.clock, ports.recordKeys);

  const release = async (): Promise<string[]> => {
    const released: string[] = [];
    const failures: { runId: string; error: unknown }[] = [];
    for (const parked of await ports.runs.listParkedRuns(workflowId)) {
      try {
        const token = await ports.tokens.open(parkedTokenContext(parked.runId), parked.sealedToken);
        try {
          await ports.callbacks.succeed(token, { released: 'workflow resumed' });
        } catch (error) {
          // The run released itself, or its execution ended (timed out, stopped): nothing waits on it.
          if (!isTokenGone(error)) throw error;
        }
        await ports.runs.unparkRun(workflowId, parked.runId);
        released.push(parked.runId);
      } catch (error) {
        failures.push({ runId: parked.runId, error });
      }
    }
    if (failures.length > 0) throw new ReleaseError(workflowId, failures);
    return released;
  };

  return {
    async status() {
      const [stored, parked] = await Promise.all([
        ports.runs.getSwitch(workflowId),
        ports.runs.listParkedRuns(workflowId),
      ]);
      return {
        workflowId,
        mode: switchModeOf(workflowId, stored),
        ...(stored && { switch: stored }),
        parked: parked.length,
      };
    },
    async set(change, operator) {
      const previous = switchModeOf(workflowId, await ports.runs.getSwitch(workflowId));
      const record: WorkflowSwitchRecord = {
        workflowId,
        mode: change.mode,
        since: ports.clock().toISOString(),
        reason: change.reason,
        by: operator.principal,
      };
      await writer.append(switchChainId(workflowId), {
        type: 'workflow.switched',
        actor: `human:${operator.principal}`,
        workflowId,
        entityId: workflowId,
        versions: { workflowVersion },
        data: { mode: change.mode, previous, reason: change.reason, identity: operator.arn },
      });
      await ports.runs.putSwitch(record);
      const released = change.mode === 'halt' ? [] : await release();
      return { workflowId, previous, switch: record, released };
    },
  };
}

/**
 * The switch step: the operations endpoint (a Lambda function URL with
 * `AWS_IAM` auth) serving {@link createSwitchOperations} to the operator AWS
 * authenticated. Its input is the function URL's request; its output the HTTP
 * response.
 */
export const switchStep = defineStep({
  name: 'switch',
  input: z.unknown(),
  ports: switchNeeds,
  build: (pack, ports) =>
    operationsEndpoint(createSwitchOperations(pack.spec.id, pack.spec.version, ports), ports.callers),
  measure(response, metrics) {
    const outcome = response.headers[OPERATIONS_OUTCOME_HEADER];
    if (outcome === 'RESUMED') metrics.count('WorkflowResumed', 1);
    else if (outcome === 'SWITCHED') metrics.count('WorkflowSwitched', 1);
    else if (outcome === 'FAILED') metrics.count('OperationsRequestsFailed', 1);
  },
});
