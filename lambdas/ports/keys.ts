/** The keys port in a Lambda: HMAC with the KMS key named by `AWF_HISTORY_KEY_ID`. */
import { createKmsClient, KmsKeyedHasher } from '../../adapters/kms-keyed-hasher.js';
import { ENV } from '../../core/runtime-env.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { requireEnv } from '../config.js';

/** Builds the keyed hasher once per cold start. */
export function createKeysPort(_pack: WorkflowPack, env: NodeJS.ProcessEnv = process.env): KmsKeyedHasher {
  return new KmsKeyedHasher({ client: createKmsClient(), keyId: requireEnv(ENV.historyKeyId, env) });
}
