/**
 * Errors that fail `cdk synth` when the infrastructure cannot be built as asked.
 *
 * They are aws-cdk-lib's validation errors, as its own constructs throw: a
 * scoped one carries the path of the construct that refused its input
 * (`error.constructPath`, and "Relates to construct" in the CDK's report), and
 * `Errors.isValidationError(error)` holds for every one of them. Messages are
 * lowercase and show the bad value.
 *
 * Problems with a workflow pack itself are reported as `WorkflowSpecError`
 * (core/errors.ts) so that the message names the workflow and the field.
 */
import { UnscopedValidationError, ValidationError } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** aws-cdk-lib brands its error codes as literal strings; ours are our class names. */
type ErrorCode = ConstructorParameters<typeof ValidationError>[0];

function errorCode(name: string): ErrorCode {
  return name as ErrorCode;
}

/** What every awf infrastructure error may carry besides its message. */
export interface InfrastructureErrorOptions {
  /** The error this one explains. */
  readonly cause?: unknown;
}

/**
 * A construct was given props it cannot build from. Names the construct's path.
 *
 * @example
 * throw new InfrastructurePropsError(`packs must hold at least one workflow pack, got none`, this);
 */
export class InfrastructurePropsError extends ValidationError {
  constructor(message: string, scope: IConstruct, options: InfrastructureErrorOptions = {}) {
    super(errorCode('InfrastructurePropsError'), message, scope);
    // aws-cdk-lib's error constructors set the prototype to their own class; keep ours for `instanceof`.
    Object.setPrototypeOf(this, new.target.prototype);
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

/**
 * A state machine definition file cannot be loaded, or its placeholders do not
 * match the substitutions. Names the construct that loads it, when there is
 * one (the pack runner binds the definition without any).
 */
export class StateMachineDefinitionError extends ValidationError {
  constructor(message: string, scope?: IConstruct, options: InfrastructureErrorOptions = {}) {
    // aws-cdk-lib's errors accept no scope at run time (UnscopedValidationError is one without it).
    super(errorCode('StateMachineDefinitionError'), message, scope as IConstruct);
    Object.setPrototypeOf(this, new.target.prototype);
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

/**
 * A setting read before any construct exists (the deployment environment's
 * variables) is malformed. There is no construct to name, so the message names
 * the setting.
 */
export class InfrastructureConfigError extends UnscopedValidationError {
  constructor(message: string, options: InfrastructureErrorOptions = {}) {
    super(errorCode('InfrastructureConfigError'), message);
    Object.setPrototypeOf(this, new.target.prototype);
    if (options.cause !== undefined) this.cause = options.cause;
  }
}
