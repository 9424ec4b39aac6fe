/**
 * Recognising DynamoDB's "your condition did not hold" answers, which the
 * stores turn into return values (`false`, `undefined`) instead of errors.
 */

/** True for the error a failed `ConditionExpression` raises. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/**
 * True when a transaction was cancelled only because conditions failed (not
 * throttling or a conflict with another transaction, which must propagate).
 */
export function isTransactionConditionFailure(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: readonly { Code?: string }[] }).CancellationReasons;
  if (!reasons) return false;
  const codes = reasons.map((reason) => reason.Code ?? 'None');
  return (
    codes.includes('ConditionalCheckFailed') &&
    codes.every((c) => c === 'ConditionalCheckFailed' || c === 'None')
  );
}

/**
 * The cancellation reason code of each item of a cancelled transaction, in
 * item order (`None` for items that did not fail), or undefined when `error`
 * is not a cancelled transaction that failed only on conditions.
 */
export function transactionFailureCodes(error: unknown): string[] | undefined {
  if (!isTransactionConditionFailure(error)) return undefined;
  const reasons = (error as { CancellationReasons?: readonly { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code ?? 'None');
}
