/**
 * The account and region the stacks are synthesized for.
 */
import { InfrastructureConfigError } from './errors.js';

/** Used when `CDK_DEFAULT_ACCOUNT` is unset, so `cdk synth` works offline with no credentials. */
export const DEFAULT_ACCOUNT = '123456789012';
/** Used when `CDK_DEFAULT_REGION` is unset. */
export const DEFAULT_REGION = 'us-east-1';

/** An explicit stack environment. */
export interface DeploymentEnv {
  readonly account: string;
  readonly region: string;
}

/**
 * Reads the environment the CDK CLI provides (`CDK_DEFAULT_ACCOUNT`,
 * `CDK_DEFAULT_REGION`) and falls back to placeholders when there is none.
 * Stacks always get an explicit environment: ARNs (Bedrock model, log groups)
 * are then concrete, and no lookup ever needs credentials.
 *
 * @throws InfrastructureConfigError naming the variable and its value when it is malformed.
 */
export function resolveDeploymentEnv(env: NodeJS.ProcessEnv = process.env): DeploymentEnv {
  const account = env.CDK_DEFAULT_ACCOUNT || DEFAULT_ACCOUNT;
  const region = env.CDK_DEFAULT_REGION || DEFAULT_REGION;
  if (!/^\d{12}$/.test(account)) {
    throw new InfrastructureConfigError(
      `CDK_DEFAULT_ACCOUNT must be a 12-digit account id, got "${account}"`,
    );
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new InfrastructureConfigError(
      `CDK_DEFAULT_REGION must be a region such as us-east-1, got "${region}"`,
    );
  }
  return { account, region };
}
