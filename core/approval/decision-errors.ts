/**
 * How a decision on an approval can fail, each a kind of ApprovalDecisionError
 * the approvals endpoint answers with its own HTTP status.
 */
import { ApprovalDecisionError } from '../errors.js';

/** The approval does not exist or belongs to another workflow. */
export class ApprovalNotFoundError extends ApprovalDecisionError {
  constructor(message: string) {
    super(message);
    this.name = 'ApprovalNotFoundError';
  }
}

/** A decision was refused, and recorded as `approval.refused`. */
export class ApprovalRefusedError extends ApprovalDecisionError {
  constructor(message: string) {
    super(message);
    this.name = 'ApprovalRefusedError';
  }
}

/** A decision was recorded, but the waiting run could not be resumed. */
export class ApprovalNotResumedError extends ApprovalDecisionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApprovalNotResumedError';
  }
}
