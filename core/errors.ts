/**
 * The error family of awf.
 *
 * Every error sets `name` so that Step Functions `Retry` / `Catch` blocks, which
 * match on the error name a Lambda throws, can tell them apart. Errors pass their
 * `cause` on instead of swallowing it.
 */
export class AwfError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AwfError';
  }
}

/** A workflow pack does not satisfy the workflow spec. Fails `cdk synth`. */
export class WorkflowSpecError extends AwfError {
  constructor(
    readonly workflowId: string,
    readonly problems: readonly string[],
  ) {
    super(`workflow "${workflowId}" is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'WorkflowSpecError';
  }
}

/** A required configuration value (usually an environment variable) is missing or malformed. */
export class ConfigurationError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigurationError';
  }
}

/** An append to the lineage chain lost the race too many times or found the chain broken. */
export class LineageWriteError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LineageWriteError';
  }
}

/** An action was about to run without the policy decision or approval that allows it. */
export class GovernanceViolationError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GovernanceViolationError';
  }
}

/**
 * An action the gate let through was not run: deciding again at the moment of
 * the effect said DENY, or a cap's ledger had no room for it. Recorded as
 * `action.refused`; the state machine escalates the run (never FAILED).
 */
export class ActionRefusedError extends GovernanceViolationError {
  constructor(message: string) {
    super(message);
    this.name = 'ActionRefusedError';
  }
}

/** An approval decision could not be accepted (unknown id, already decided, wrong approver). */
export class ApprovalDecisionError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApprovalDecisionError';
  }
}
