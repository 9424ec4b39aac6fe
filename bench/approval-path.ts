/**
 * What a run with one approval uses and costs: each pack's approval example
 * run through `awf packs test` (the real ASL and steps, in process, on the
 * virtual clock, its approvers deciding as the example says). Its state
 * transitions, model calls, Lambda invocations (decide-approval included) and
 * tokens are counted; its Lambda duration per invocation, DynamoDB units and
 * events per run are taken from the autonomous path measured on the local
 * cloud, so its orchestration cost is modelled, not metered: the approval's own
 * items and records add a few write units on top.
 */
import { join } from 'node:path';
import { modelTokensOf } from '../core/cost/run-usage.js';
import { createPackTester } from '../local/pack-test/pack-tester.js';
import { loadExampleEvents, loadWorkflowPack, WORKFLOWS_DIR } from '../workflows/discover.js';
import { type RunProfile, runProfileOf } from './run-profile.js';

/** The approval path of one pack: the example and its profile. */
export interface ApprovalPathFigures {
  readonly workflow: string;
  readonly example: string;
  readonly profile: RunProfile;
}

/**
 * Runs `example` of `workflowId` through the pack tester and profiles it
 * against the measured autonomous path.
 * @throws Error when the example does not exist or does not complete
 */
export async function benchApprovalPath(
  workflowId: string,
  example: string,
  autonomous: RunProfile,
): Promise<ApprovalPathFigures> {
  const dir = join(WORKFLOWS_DIR, workflowId);
  const found = loadExampleEvents(dir).find((e) => e.name === example);
  if (!found) throw new Error(`bench: no example "${example}" in workflows/${workflowId}/events`);
  const tester = await createPackTester(await loadWorkflowPack(dir), dir);
  const result = await tester.run(found);
  if (!result.passed) throw new Error(`bench: ${workflowId}/${example}: ${result.mismatches.join('; ')}`);
  // The remind schedule runs per workflow, whatever the number of runs: not this run's.
  const invocations = tester.invocations.filter(({ step }) => step !== 'remind').length;
  const gbSecondsPerInvocation =
    autonomous.lambdaInvocationsPerRun === 0
      ? 0
      : autonomous.lambdaGbSecondsPerRun / autonomous.lambdaInvocationsPerRun;
  const profile = runProfileOf(
    [
      {
        transitions: result.usage.transitions,
        lambdaInvocations: invocations,
        lambdaGbSeconds: invocations * gbSecondsPerInvocation,
        modelCalls: result.usage.modelCalls,
        tokens: modelTokensOf(tester.lineage),
      },
    ],
    { wru: autonomous.wruPerRun, rru: autonomous.rruPerRun },
    autonomous.eventsPerRun,
  );
  return { workflow: workflowId, example, profile };
}
