/**
 * Park: keeps a run that arrived while its workflow was halted until an
 * operator resumes it (`core/runs/parked.ts`).
 *
 * The state machine invokes it with `.waitForTaskToken` right after Admit
 * said PARKED. It records `run.parked` in the run's lineage, seals the task
 * token and keeps it in the run's parked item, where the switch step finds it
 * on resume. Then it reads the switch again: an operator who resumed the
 * workflow between Admit's read and the parked item's write would have found
 * nothing to release. Then the step forgets the item and fails with
 * {@link RESUMED_WHILE_PARKING_ERROR}, which the state machine catches into
 * grounding: the run goes on without anyone answering its token. (The step
 * does not answer tokens itself: its role would then name the state machine,
 * which names its function, a cycle CloudFormation cannot order.) If the
 * switch released the token at the same moment, Step Functions keeps
 * whichever ended the wait first, so the run goes on exactly once.
 *
 * A retry of this step (a Lambda service error) waits on a new token: the
 * parked item is replaced, and `run.parked` is not recorded twice.
 */
import { AwfError } from '../../errors.js';
import { asRecordOfType } from '../../lineage/read.js';
import { lineageWriter } from '../../lineage/writer.js';
import { switchModeOf } from '../../policy/switch.js';
import { parkedTokenContext } from '../../runs/parked.js';
import { type ParkInput, parkInputSchema } from '../contracts.js';
import { defineStep } from '../step-definition.js';

/** The error a park ends with when the workflow was resumed while it parked: the ASL catches it into grounding. */
export const RESUMED_WHILE_PARKING_ERROR = 'AWF.ResumedWhileParking';

/** The workflow was resumed while the run was being parked: the run need not wait. */
export class ResumedWhileParkingError extends AwfError {
  constructor(runId: string) {
    super(`run ${runId} was being parked, but its workflow was resumed meanwhile: it goes on at once`);
    this.name = RESUMED_WHILE_PARKING_ERROR;
  }
}

/** What the park step did (the state machine ignores it: it waits for the token). */
export interface ParkResult {
  readonly runId: string;
  readonly outcome: 'parked';
}

/** Answers from Step Functions meaning the token was already answered or its wait is over. */
const TOKEN_GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** True when `error` says the task token can no longer be answered (the run went on, or its execution ended). */
export function isTokenGone(error: unknown): boolean {
  return error instanceof Error && TOKEN_GONE.has(error.name);
}

/** The park step: see the module comment. */
export const parkStep = defineStep({
  name: 'park',
  input: parkInputSchema,
  ports: {
    runs: { writes: ['parked'] },
    lineage: 'append',
    recordKeys: 'sign',
    tokens: 'seal',
  },
  build(pack, ports) {
    const { spec } = pack;
    const writer = lineageWriter('park', ports.lineage, ports.clock, ports.recordKeys);
    return async ({ run, taskToken }: ParkInput): Promise<ParkResult> => {
      const halt = await ports.runs.getSwitch(spec.id);
      const alreadyRecorded = asRecordOfType(await ports.lineage.head(run.runId), 'run.parked');
      if (alreadyRecorded === undefined) {
        await writer.append(run.runId, {
          type: 'run.parked',
          actor: 'awf:park',
          workflowId: run.workflowId,
          entityId: run.entityId,
          versions: { workflowVersion: run.workflowVersion },
          data: { haltedSince: halt?.since ?? '', haltReason: halt?.reason ?? '' },
        });
      }
      await ports.runs.parkRun({
        workflowId: spec.id,
        runId: run.runId,
        parkedAt: ports.clock().toISOString(),
        sealedToken: await ports.tokens.seal(parkedTokenContext(run.runId), taskToken),
      });
      // Read again after the item is written: a resume in between found no item to release.
      if (switchModeOf(spec.id, await ports.runs.getSwitch(spec.id)) === 'halt') {
        return { runId: run.runId, outcome: 'parked' };
      }
      await ports.runs.unparkRun(spec.id, run.runId);
      throw new ResumedWhileParkingError(run.runId);
    };
  },
  measure(_result, metrics) {
    metrics.count('RunsParked', 1);
  },
});
