/**
 * The callers port in a Lambda: trusts the sessions of the roles the stack
 * names in `AWF_CALLER_ROLES` (approver roles for the approvals endpoint,
 * operator roles for the operations endpoint).
 */
import {
  CALLER_KINDS,
  type CallerIdentities,
  type CallerKind,
  trustedRoleCallers,
} from '../../core/approval/caller.js';
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
  const text = requireEnv(ENV.callerRoles, env);
  let roles: unknown;
  try {
    roles = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${ENV.callerRoles} is not JSON: ${text}`, { cause: error });
  }
  if (!Array.isArray(roles) || !roles.every((role) => typeof role === 'string')) {
    throw new ConfigurationError(`${ENV.callerRoles} must be a JSON array of role ARNs, got ${text}`);
  }
  const kind = env[ENV.callerKind] ?? 'approver';
  if (!(CALLER_KINDS as readonly string[]).includes(kind)) {
    throw new ConfigurationError(`${ENV.callerKind} must be one of ${CALLER_KINDS.join(', ')}, got ${kind}`);
  }
  try {
    return trustedRoleCallers(roles, kind as CallerKind);
  } catch (error) {
    throw new ConfigurationError(
      `${ENV.callerRoles}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
