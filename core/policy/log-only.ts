/**
 * Log-only policies: a policy annotated `@mode("log-only")` is evaluated with
 * every decision and its would-be effect recorded, but it never decides.
 *
 * It is how a new or changed policy is rolled out: deploy it log-only, read
 * `awf policies report` to see which decisions it would have changed, then
 * switch it to `@mode("enforce")` (or drop the annotation).
 */
import * as z from 'zod';
import { GATE_DECISIONS } from '../steps/contracts.js';

/** Annotation choosing whether a policy decides (`enforce`) or is only recorded (`log-only`). */
export const MODE_ANNOTATION = 'mode';
/** The values `@mode` accepts; a policy without the annotation is enforced. */
export const POLICY_MODES = ['enforce', 'log-only'] as const;
/** Whether a policy takes part in the decision. */
export type PolicyMode = (typeof POLICY_MODES)[number];

/**
 * What one log-only policy would have done to one decision.
 *
 * The would-be decision is reached by the same rules as the real one, by the
 * enforced policies with this one policy added (each log-only policy alone, so
 * `changed` is what enforcing this policy, and no other, would change). It is
 * compared with the `decision` beside it: in a gate evaluation that is Cedar's
 * decision; in a verdict and in `policy.evaluated` it is the final decision,
 * autonomy applied to both.
 */
export const logOnlyEvaluationSchema = z.object({
  /** The log-only policy's id. */
  policyId: z.string(),
  /** The decision had this policy been enforced. An error while evaluating it gives DENY, as it would enforced. */
  wouldDecide: z.enum(GATE_DECISIONS),
  /** True when `wouldDecide` differs from the decision actually made. */
  changed: z.boolean(),
  /**
   * Whether the policy's scope and conditions held for the request (a satisfied
   * permit or forbid), whatever the other policies decided. Absent when it could
   * not be evaluated.
   */
  satisfied: z.boolean().optional(),
  /** Why the policy could not be evaluated; absent when it evaluated cleanly. The real decision ignores them. */
  errors: z.array(z.string()).optional(),
});

/** What one log-only policy would have done to one decision; see {@link logOnlyEvaluationSchema}. */
export type LogOnlyEvaluation = z.infer<typeof logOnlyEvaluationSchema>;
