/**
 * The callers port in a Lambda: trusts the sessions of the approver roles the
 * stack names in `AWF_APPROVER_ROLES`.
 */
import { type CallerIdentities, trustedRoleCallers } from '../../core/approval/caller.js';
import { ConfigurationError } from '../../core/errors.js';
import { ENV } from '../../core/runtime-env.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { requireEnv } from '../config.js';

/**
 * Builds the callers port once per cold start.
 * @throws ConfigurationError when the variable is not a JSON array of role ARNs.
 */
export function createCallersPort(
  _pack: WorkflowPack,
  env: NodeJS.ProcessEnv = process.env,
): CallerIdentities {
  const text = requireEnv(ENV.approverRoles, env);
  let roles: unknown;
  try {
    roles = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${ENV.approverRoles} is not JSON: ${text}`, { cause: error });
  }
  if (!Array.isArray(roles) || !roles.every((role) => typeof role === 'string')) {
    throw new ConfigurationError(`${ENV.approverRoles} must be a JSON array of role ARNs, got ${text}`);
  }
  try {
    return trustedRoleCallers(roles);
  } catch (error) {
    throw new ConfigurationError(
      `${ENV.approverRoles}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
