/**
 * The history key's one use: `kms:GenerateMac`, for the steps that hash
 * history keys before storing or comparing them.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';

/** What hashing a history key takes; never `VerifyMac` (hashes are compared, not verified) nor any other key use. */
export const HISTORY_KEY_ACTIONS = ['kms:GenerateMac'] as const;

/**
 * Grants `kms:GenerateMac` on the history key and nothing else: no other key
 * operation, no other key. An identity grant (the key policy delegates to the
 * account's IAM), so the key's stack need not know the roles.
 *
 * @example
 * grantHistoryKeyMac(data.historyKey, groundFunction);
 */
export function grantHistoryKeyMac(historyKey: kms.IKey, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: [...HISTORY_KEY_ACTIONS],
    resourceArns: [historyKey.keyArn],
  });
}
