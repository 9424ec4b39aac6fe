/**
 * What the agent observes of its own earlier actions: read from the run's
 * lineage, where Act records every execution as `action.executed`.
 *
 * The evidence is the single source: the model is shown exactly what the chain
 * says was executed, nothing a store outside the chain could add or drop, and
 * no second write per action is needed to keep the two in step.
 */

import type { Observation } from '../steps/contracts.js';
import { recordsOfType } from './read.js';
import type { LineageRecord } from './record.js';

/**
 * The observations of a run, in the order its actions were executed: one per
 * `action.executed` record of the chain, with status EXECUTED.
 *
 * Act appends at most one `action.executed` per proposal (a retried Act finds
 * its record and adds none), so each execution is observed once.
 *
 * @throws MalformedLineageRecordError when an `action.executed` record is
 *   malformed: the model must not plan on a silently shortened account of what ran.
 * @example
 * const observations = observationsOf(await lineage.chain(runId));
 */
export function observationsOf(chain: readonly LineageRecord[]): Observation[] {
  return recordsOfType(chain, 'action.executed').map(({ data }) => ({
    proposalId: data.proposalId,
    action: data.action,
    status: 'EXECUTED' as const,
    result: data.result,
  }));
}
