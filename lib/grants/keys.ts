/**
 * The uses of the platform's own keys: the history key's one use,
 * `kms:GenerateMac`, for the steps that hash history keys before storing or
 * comparing them; the lineage record keys', `kms:GenerateMac` for their
 * writer step and `kms:VerifyMac` for the readers and auditors that check
 * records' MACs; the task token key's, `kms:Encrypt` for the step that
 * seals approval task tokens and `kms:Decrypt` for the step that opens them,
 * each only with an `approvalId` encryption context.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { StepName } from '../../core/steps/step-names.js';

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

/**
 * The lineage record keys, by the writer step that signs with each: one KMS
 * HMAC key per step the lineage registry names as a writer
 * (`AwfDataStack.recordKeys`).
 */
export type RecordKeysByWriter<K extends kms.IKey = kms.IKey> = Readonly<Partial<Record<StepName, K>>>;

/** What signing a lineage record takes, on the writing step's own record key only. */
export const RECORD_KEY_SIGN_ACTIONS = ['kms:GenerateMac'] as const;

/** What checking a lineage record's MAC takes, on its writer's record key. */
export const RECORD_KEY_VERIFY_ACTIONS = ['kms:VerifyMac'] as const;

/**
 * Grants `kms:GenerateMac` on one step's record key and nothing else: the
 * role of the step the lineage registry names as a writer signs its records
 * with it, and no other role may.
 *
 * @example
 * grantRecordKeySign(data.recordKeys['decide-approval'], decideApprovalFunction);
 */
export function grantRecordKeySign(recordKey: kms.IKey, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: [...RECORD_KEY_SIGN_ACTIONS],
    resourceArns: [recordKey.keyArn],
  });
}

/**
 * Grants `kms:VerifyMac` on the given record keys and nothing else: for a
 * step that relies on other steps' records, or an auditor checking them all.
 *
 * @example
 * grantRecordKeysVerify([data.recordKeys.plan, data.recordKeys['decide-approval']], actFunction);
 */
export function grantRecordKeysVerify(recordKeys: readonly kms.IKey[], grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: [...RECORD_KEY_VERIFY_ACTIONS],
    resourceArns: recordKeys.map((key) => key.keyArn),
  });
}

/** The encryption context key a sealed task token is bound to its approval with. */
export const TOKEN_CONTEXT_KEY = 'approvalId';

/** What sealing an approval task token takes: encrypting, never decrypting. */
export const TOKEN_SEAL_ACTIONS = ['kms:Encrypt'] as const;

/** What opening a sealed task token takes: decrypting, never encrypting. */
export const TOKEN_OPEN_ACTIONS = ['kms:Decrypt'] as const;

/**
 * The conditions of every use of the task token key: the encryption context
 * holds an `approvalId` (`ForAnyValue`, which an empty context fails) and no
 * other key (`ForAllValues`), so a sealed token is always bound to the
 * approval it was sealed for. Said with `kms:EncryptionContextKeys` alone,
 * which is the same as requiring `kms:EncryptionContext:approvalId` present.
 */
export const TOKEN_KEY_CONDITIONS = {
  'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': TOKEN_CONTEXT_KEY },
  'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [TOKEN_CONTEXT_KEY] },
} as const;

/**
 * Grants `kms:Encrypt` on the task token key, with an `approvalId` encryption
 * context only, and nothing else: the request step seals the task token it
 * stores, and cannot read back any token.
 *
 * @example
 * grantTaskTokenSeal(data.tokenKey, requestApprovalFunction);
 */
export function grantTaskTokenSeal(tokenKey: kms.IKey, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: [...TOKEN_SEAL_ACTIONS],
    resourceArns: [tokenKey.keyArn],
    conditions: TOKEN_KEY_CONDITIONS,
  });
}

/**
 * Grants `kms:Decrypt` on the task token key, with an `approvalId`
 * encryption context only, and nothing else: the decide step opens a token
 * to resume the run waiting on it; no other role can.
 *
 * @example
 * grantTaskTokenOpen(data.tokenKey, decideApprovalFunction);
 */
export function grantTaskTokenOpen(tokenKey: kms.IKey, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: [...TOKEN_OPEN_ACTIONS],
    resourceArns: [tokenKey.keyArn],
    conditions: TOKEN_KEY_CONDITIONS,
  });
}
