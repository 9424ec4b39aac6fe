/**
 * How an approval's task token is kept in the runs table: sealed
 * ({@link TaskTokenSeal}), never in clear, so reading the table (a backup, an
 * export, a role with read access) gives nothing that resumes a run.
 */
import type { TaskTokenSeal } from '../ports.js';

/** What a sealed token looks like: `<scheme>:v<version>:<base64>`, e.g. `kms:v1:AQID...`. */
export const SEALED_TASK_TOKEN = /^[a-z][a-z0-9-]*:v[0-9]+:[A-Za-z0-9+/]+={0,2}$/;

/** Whether `stored` is a sealed token (a Step Functions token never has this shape). */
export function isSealedTaskToken(stored: string): boolean {
  return SEALED_TASK_TOKEN.test(stored);
}

/**
 * The task token an approval item holds, opened with `tokens`.
 *
 * An item written before tokens were sealed holds the token in clear; it is
 * returned as it is, so the runs waiting on such items when sealing is
 * deployed still resume. Every item written since holds a sealed token.
 *
 * @throws what `tokens.open` throws for a sealed token that does not open
 *   (another approval's, another key's, or altered).
 */
export async function openTaskToken(
  tokens: TaskTokenSeal,
  approvalId: string,
  stored: string,
): Promise<string> {
  return isSealedTaskToken(stored) ? tokens.open(approvalId, stored) : stored;
}
