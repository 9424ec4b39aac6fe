/**
 * Errors of the policy gate's inputs.
 *
 * A bad policy set or action catalogue is a {@link WorkflowSpecError} (it fails
 * `cdk synth`); the errors here concern the values of one request, which the
 * gate turns into a DENY instead of letting them escape.
 */
import { AwfError } from '../errors.js';

/**
 * A value handed to the policy gate (or to autonomy resolution) cannot be
 * expressed as the Cedar request the workflow's schema describes: a missing
 * field, a wrong type, a decimal with more than four fractional digits, an
 * action outside the catalogue.
 */
export class PolicyInputError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PolicyInputError';
  }
}
