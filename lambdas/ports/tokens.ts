/** The tokens port in a Lambda: seal and open task tokens with the KMS key named by `AWF_TOKEN_KEY_ID`. */
import { createKmsClient } from '../../adapters/kms-keyed-hasher.js';
import { KmsTaskTokenSeal } from '../../adapters/kms-token-seal.js';
import { ENV } from '../../core/runtime-env.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { requireEnv } from '../config.js';

/** Builds the task token seal once per cold start. */
export function createTokensPort(
  _pack: WorkflowPack,
  env: NodeJS.ProcessEnv = process.env,
): KmsTaskTokenSeal {
  return new KmsTaskTokenSeal({ client: createKmsClient(), keyId: requireEnv(ENV.tokenKeyId, env) });
}
