/**
 * `.awf/local.json`: where a running local cloud listens and what it holds.
 *
 * The local cloud writes it when every endpoint listens and removes it when it
 * stops; the `awf` CLI and the tests read it to reach the local cloud.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as z from 'zod';

/** The folder of local state (DynamoDB data, the event sink, local.json), relative to the project. */
export const LOCAL_STATE_DIR = '.awf';

const workflowEndpoints = z.object({
  stateMachineArn: z.string(),
  /** Step name (admit, plan, decide-approval, ...) -> function name. */
  functions: z.record(z.string(), z.string()),
  /** The workflow's approvals endpoint: its local function URL. */
  approvalsUrl: z.string().optional(),
  /** The operations endpoint (the switch function's URL). */
  operationsUrl: z.string().optional(),
  /** The follow-ups endpoint (the follow-up function's URL). */
  followUpsUrl: z.string().optional(),
});

export const localStateSchema = z.object({
  region: z.string(),
  accountId: z.string(),
  pid: z.number().int(),
  startedAt: z.string(),
  endpoints: z.object({
    dynamodb: z.string(),
    eventbridge: z.string(),
    sfn: z.string(),
    lambda: z.string(),
    bedrockRuntime: z.string(),
    kms: z.string(),
  }),
  tables: z.object({ runs: z.string(), lineage: z.string() }),
  eventBus: z.string(),
  workflows: z.record(z.string(), workflowEndpoints),
  /** Writer step -> ARN of its lineage record key in the local KMS (what `awf audit trail` verifies with). */
  recordKeys: z.record(z.string(), z.string()).default({}),
  /** JSON Lines file of every event the local bus accepted. */
  sinkFile: z.string(),
  /** JSON Lines file of what the workflows' SNS topics would have published. */
  notificationsFile: z.string().optional(),
  /** The local identities (`local/iam/identities.ts`): who may sign requests to the function URLs. */
  identitiesFile: z.string().optional(),
});

/** What `.awf/local.json` holds. */
export type LocalState = z.infer<typeof localStateSchema>;

/** Path of local.json under a state folder. */
export function localStatePath(stateDir: string = LOCAL_STATE_DIR): string {
  return join(stateDir, 'local.json');
}

/** Writes local.json (creating the folder). */
export function writeLocalState(state: LocalState, stateDir: string = LOCAL_STATE_DIR): void {
  const path = localStatePath(stateDir);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`);
}

/** Removes local.json, if present. */
export function removeLocalState(stateDir: string = LOCAL_STATE_DIR): void {
  rmSync(localStatePath(stateDir), { force: true });
}

/**
 * Reads local.json.
 * @throws Error saying how to start the local cloud when it is missing, or what is wrong with it.
 */
export function readLocalState(stateDir: string = LOCAL_STATE_DIR): LocalState {
  const path = localStatePath(stateDir);
  if (!existsSync(path)) {
    throw new Error(
      `the local cloud is not running (no ${path}); start it with "npm start" or "npx awf local up"`,
    );
  }
  const parsed = localStateSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw new Error(`${path} is not a local cloud state file: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
