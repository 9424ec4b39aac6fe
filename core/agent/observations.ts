/**
 * What the agent observes of its own earlier actions: read from the run's
 * lineage, where Act records every execution as `action.executed`.
 *
 * The evidence is the single source: the model is shown exactly what the chain
 * says was executed, nothing a store outside the chain could add or drop, and
 * no second write per action is needed to keep the two in step.
 */
import { z } from 'zod';
import { AwfError } from '../errors.js';
import type { LineageRecord } from '../lineage/record.js';
import type { Observation } from '../run/contracts.js';

/** The part of an `action.executed` record's data an observation is made of. */
const executedActionSchema = z.object({
  proposalId: z.string().min(1),
  action: z.string().min(1),
  result: z.record(z.string(), z.unknown()),
});

/**
 * The observations of a run, in the order its actions were executed: one per
 * `action.executed` record of the chain, with status EXECUTED.
 *
 * Act appends at most one `action.executed` per proposal (a retried Act finds
 * its record and adds none), so each execution is observed once.
 *
 * @throws AwfError when an `action.executed` record lacks the proposal, action
 *   or result: the model must not plan on a silently shortened account of
 *   what ran.
 * @example
 * const observations = observationsOf(await lineage.chain(runId));
 */
export function observationsOf(chain: readonly LineageRecord[]): Observation[] {
  return chain
    .filter((record) => record.type === 'action.executed')
    .flatMap((record) => {
      const parsed = executedActionSchema.safeParse(record.data);
      if (!parsed.success) {
        throw new AwfError(
          `lineage record ${record.seq} of run ${record.chainId} is action.executed but its data is malformed: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`,
        );
      }
      const { proposalId, action, result } = parsed.data;
      return [{ proposalId, action, status: 'EXECUTED' as const, result }];
    });
}
