/**
 * Configuration read once at cold start.
 */
import { ConfigurationError } from '../../core/errors.js';
import type { EnvName } from '../../core/runtime-env.js';

/**
 * Returns an environment variable the stack must have set.
 * @throws ConfigurationError naming the variable when it is missing or empty.
 */
export function requireEnv(name: EnvName, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new ConfigurationError(`environment variable ${name} is not set; the stack must provide it`);
  }
  return value;
}
