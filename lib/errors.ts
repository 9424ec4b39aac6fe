/**
 * Errors that fail `cdk synth` when the infrastructure cannot be built as asked.
 *
 * Problems with a workflow pack itself are reported as `WorkflowSpecError`
 * (core/errors.ts) so that the message names the workflow and the field.
 */
import { AwfError } from '../core/errors.js';

/** A state machine definition file cannot be loaded or its placeholders do not match the substitutions. */
export class StateMachineDefinitionError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateMachineDefinitionError';
  }
}

/** A construct or stack was given props it cannot build from. */
export class InfrastructurePropsError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InfrastructurePropsError';
  }
}
