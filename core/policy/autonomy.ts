/**
 * Graduated autonomy: how far an action the policies decided on runs by itself.
 *
 * Autonomy sits after the policies and can only make their decision stricter:
 * a supervised action needs a human even where the policies allow it, a shadow
 * action is only recorded as what would have happened, and nothing turns a
 * DENY or a REQUIRE_APPROVAL into something looser.
 */

import type { AutonomyRecord } from '../runs/records.js';
import type { GateDecision } from '../steps/contracts.js';
import { isCatalogueAction, notInCatalogue } from '../workflow/catalogue.js';
import { AUTONOMY_LEVELS, type AutonomyLevel, type WorkflowSpec } from '../workflow/spec.js';
import { PolicyInputError } from './errors.js';

/** The decision the platform acts on, after autonomy. */
export interface AutonomousDecision {
  /** What happens: ALLOW runs, REQUIRE_APPROVAL waits for a human, DENY escalates. */
  readonly decision: GateDecision;
  /** True in shadow mode: the decision is recorded as "would" and the action never runs. */
  readonly shadow: boolean;
}

/**
 * Applies an action's autonomy level to the policies' decision.
 *
 * - `shadow`: decision unchanged, `shadow: true` (Act does not run it);
 * - `supervised`: ALLOW becomes REQUIRE_APPROVAL;
 * - `autonomous`: unchanged.
 *
 * DENY always stays DENY.
 *
 * @example
 * applyAutonomy('ALLOW', 'supervised'); // { decision: 'REQUIRE_APPROVAL', shadow: false }
 */
export function applyAutonomy(policyDecision: GateDecision, level: AutonomyLevel): AutonomousDecision {
  switch (level) {
    case 'shadow':
      return { decision: policyDecision, shadow: true };
    case 'supervised':
      return { decision: policyDecision === 'ALLOW' ? 'REQUIRE_APPROVAL' : policyDecision, shadow: false };
    case 'autonomous':
      return { decision: policyDecision, shadow: false };
  }
}

/**
 * The autonomy level an action runs at: the stored level (set by promotion or
 * demotion, or by an operator) when there is one, else the spec's level for
 * the action, else the spec's default.
 *
 * @param stored - the runs table's record for this workflow and action, if any.
 * @throws PolicyInputError when the action is not in the catalogue, or the
 *   stored record belongs to another workflow or action or holds an unknown level.
 */
export function resolveAutonomy(spec: WorkflowSpec, action: string, stored?: AutonomyRecord): AutonomyLevel {
  if (!isCatalogueAction(spec, action)) throw new PolicyInputError(notInCatalogue(spec, action));
  if (stored !== undefined) {
    if (stored.workflowId !== spec.id || stored.action !== action) {
      throw new PolicyInputError(
        `stored autonomy: expected a record for ${spec.id}/${action}, got one for ${stored.workflowId}/${stored.action}`,
      );
    }
    if (!(AUTONOMY_LEVELS as readonly string[]).includes(stored.level)) {
      throw new PolicyInputError(
        `stored autonomy: expected one of ${AUTONOMY_LEVELS.join(', ')}, got ${JSON.stringify(stored.level)}`,
      );
    }
    return stored.level;
  }
  return (
    (Object.hasOwn(spec.autonomy.actions, action) ? spec.autonomy.actions[action] : undefined) ??
    spec.autonomy.default
  );
}
