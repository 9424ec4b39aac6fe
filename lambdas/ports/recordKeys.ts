/** The recordKeys port in a Lambda: the KMS record keys named by `AWF_RECORD_KEYS`. */
import { createKmsClient } from '../../adapters/kms-keyed-hasher.js';
import { KmsRecordKeys, recordKeyIdsSchema } from '../../adapters/kms-record-keys.js';
import { ConfigurationError } from '../../core/errors.js';
import { ENV } from '../../core/runtime-env.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { requireEnv } from '../config.js';

/**
 * Verified MACs a step remembers: a run's step checks a few records, one of
 * them sometimes twice (Act: the proposal, then the plan's finish).
 */
export const STEP_VERIFIED_MEMO_SIZE = 64;

/**
 * Builds the record keys once per cold start.
 * @throws ConfigurationError when `AWF_RECORD_KEYS` is missing or not a JSON object of step -> key id.
 */
export function createRecordKeysPort(
  _pack: WorkflowPack,
  env: NodeJS.ProcessEnv = process.env,
): KmsRecordKeys {
  const text = requireEnv(ENV.recordKeys, env);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${ENV.recordKeys} must be JSON, got ${text}`, { cause: error });
  }
  const keyIds = recordKeyIdsSchema.safeParse(parsed);
  if (!keyIds.success) {
    throw new ConfigurationError(
      `${ENV.recordKeys} must map step names to KMS key ids, got ${text}: ${keyIds.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return new KmsRecordKeys({
    client: createKmsClient(),
    keyIds: keyIds.data,
    verifiedMemoSize: STEP_VERIFIED_MEMO_SIZE,
  });
}
