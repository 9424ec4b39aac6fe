/**
 * `awf doctor --aws`'s checks of an AWS account: each workflow's models
 * (their Bedrock lifecycle and a one-token Converse call), and the deployed
 * bus, tables and roles. Everything it asks AWS goes through
 * {@link AwsProbes}, so the checks are tested with fakes.
 *
 * The first model of a workflow failing is a blocker (every run would fail or
 * pay for a failed call first); a fallback failing is a warning.
 */
import { type LifecycleState, lifecycleOf, type ModelCatalog } from '../../core/model/lifecycle.js';
import { foundationModelOf } from '../../core/model/pricing.js';
import { MODEL_UNAVAILABLE_FIXES, modelUnavailableFrom } from '../../core/model/unavailable.js';
import { type DoctorLine, type DoctorStatus, line } from './lines.js';

/** A workflow's models, in the order Plan asks them. */
export interface WorkflowModels {
  readonly workflowId: string;
  readonly modelIds: readonly string[];
}

/** The deployed platform, as the stacks' outputs name it. */
export interface DeployedPlatform {
  readonly eventBus: string;
  readonly runsTable: string;
  readonly lineageTable: string;
  /** Workflow id -> its state machine. */
  readonly stateMachines: Readonly<Record<string, string>>;
}

/** What the AWS checks ask. Errors keep the SDK's names. */
export interface AwsProbes {
  readonly catalog: ModelCatalog;
  /** One Converse call asking for one token. */
  converseOneToken(modelId: string): Promise<void>;
  /** The deployed platform, or undefined when its stacks are not deployed. */
  platform(): Promise<DeployedPlatform | undefined>;
  /** Resolves when the bus exists. */
  eventBus(name: string): Promise<void>;
  /** The table's status (`ACTIVE`, ...). */
  tableStatus(name: string): Promise<string>;
  /** The state machine's status and the role it runs as. */
  stateMachine(arn: string): Promise<{ readonly status: string; readonly roleArn: string }>;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A geographic or global inference profile id (`us.anthropic...`), whose model is behind its prefix. */
function isInferenceProfile(modelId: string): boolean {
  return !modelId.startsWith('arn:') && foundationModelOf(modelId) !== modelId;
}

function describeLifecycle(lifecycle: LifecycleState): { status: DoctorStatus; detail: string } {
  switch (lifecycle.state) {
    case 'ACTIVE':
      return {
        status: 'ok',
        detail: `ACTIVE${lifecycle.endOfLife ? `, end of life announced for ${lifecycle.endOfLife}` : ''}`,
      };
    case 'LEGACY':
      return {
        status: 'warn',
        detail: `LEGACY, end of life ${lifecycle.endOfLife ?? 'not yet dated'}: move to an Active model before then (docs/OPERATIONS.md#models)`,
      };
    case 'EOL':
      return {
        status: 'blocker',
        detail: `EOL since ${lifecycle.endOfLife}; fix: ${MODEL_UNAVAILABLE_FIXES['end-of-life']}`,
      };
    case 'UNKNOWN':
      return { status: 'warn', detail: `lifecycle not readable (${lifecycle.status})` };
  }
}

/** A failure that would be a blocker for the first model is a warning for a fallback. */
function forRole(status: DoctorStatus, primary: boolean): DoctorStatus {
  return status === 'blocker' && !primary ? 'warn' : status;
}

async function lifecycleLine(
  catalog: ModelCatalog,
  check: string,
  modelId: string,
  primary: boolean,
  now: Date,
): Promise<DoctorLine> {
  try {
    let via = '';
    if (isInferenceProfile(modelId)) {
      const profile = await catalog.inferenceProfile(modelId);
      if (profile.status !== 'ACTIVE') {
        return line(check, forRole('blocker', primary), `${modelId}: inference profile is ${profile.status}`);
      }
      via = ` (profile ACTIVE, ${profile.modelArns.length} destination(s))`;
    }
    const model = await catalog.foundationModel(foundationModelOf(modelId));
    const { status, detail } = describeLifecycle(lifecycleOf(model.lifecycle, now));
    return line(check, forRole(status, primary), `${modelId}: ${detail}${via}`);
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') {
      return line(
        check,
        forRole('blocker', primary),
        `${modelId}: Bedrock knows no such model here (${error.message}); fix: ${MODEL_UNAVAILABLE_FIXES['unknown-model']}`,
      );
    }
    if (error instanceof Error && error.name === 'AccessDeniedException') {
      return line(
        check,
        'warn',
        `${modelId}: lifecycle not readable with these credentials (bedrock:GetFoundationModel, bedrock:GetInferenceProfile): ${error.message}`,
      );
    }
    return line(check, 'warn', `${modelId}: lifecycle not readable: ${messageOf(error)}`);
  }
}

async function converseLine(
  probes: AwsProbes,
  check: string,
  modelId: string,
  primary: boolean,
): Promise<DoctorLine> {
  try {
    await probes.converseOneToken(modelId);
    return line(check, 'ok', `${modelId} answered a one-token Converse call`);
  } catch (error) {
    const unavailable = modelUnavailableFrom(error, modelId);
    if (unavailable !== undefined) {
      return line(
        check,
        forRole('blocker', primary),
        `${modelId}: ${unavailable.kind}: ${unavailable.answer}; fix: ${MODEL_UNAVAILABLE_FIXES[unavailable.kind]}`,
      );
    }
    // Throttling or a timeout says nothing about whether a run would work later.
    return line(check, 'warn', `${modelId}: the call failed: ${messageOf(error)}`);
  }
}

async function modelLines(probes: AwsProbes, workflow: WorkflowModels, now: Date): Promise<DoctorLine[]> {
  const lines: DoctorLine[] = [];
  for (const [index, modelId] of workflow.modelIds.entries()) {
    const primary = index === 0;
    const role = primary ? 'model' : `fallback ${index}`;
    lines.push(await lifecycleLine(probes.catalog, `${role} ${workflow.workflowId}`, modelId, primary, now));
    lines.push(await converseLine(probes, `converse ${workflow.workflowId}`, modelId, primary));
  }
  return lines;
}

/** The SDK found no credentials: every other check would say the same, so it is said once. */
function isMissingCredentials(error: unknown): boolean {
  return error instanceof Error && error.name === 'CredentialsProviderError';
}

async function platformLines(
  probes: AwsProbes,
  platform: DeployedPlatform | undefined,
  workflowIds: readonly string[],
): Promise<DoctorLine[]> {
  if (platform === undefined) {
    return [
      line(
        'stacks',
        'warn',
        'not deployed yet: "npm run deploy" creates the bus, tables and roles; run awf doctor --aws again after it',
      ),
    ];
  }
  const lines: DoctorLine[] = [];
  try {
    await probes.eventBus(platform.eventBus);
    lines.push(line('bus', 'ok', platform.eventBus));
  } catch (error) {
    lines.push(line('bus', 'blocker', `${platform.eventBus}: ${messageOf(error)}`));
  }
  for (const [name, table] of [
    ['runs', platform.runsTable],
    ['lineage', platform.lineageTable],
  ] as const) {
    try {
      const status = await probes.tableStatus(table);
      lines.push(line(`table ${name}`, status === 'ACTIVE' ? 'ok' : 'warn', `${table} ${status}`));
    } catch (error) {
      lines.push(line(`table ${name}`, 'blocker', `${table}: ${messageOf(error)}`));
    }
  }
  for (const workflowId of workflowIds) {
    const arn = platform.stateMachines[workflowId];
    if (arn === undefined) {
      lines.push(line(`roles ${workflowId}`, 'warn', 'not deployed yet: "npm run deploy" creates its roles'));
      continue;
    }
    try {
      const machine = await probes.stateMachine(arn);
      lines.push(
        line(
          `roles ${workflowId}`,
          machine.status === 'ACTIVE' ? 'ok' : 'warn',
          `state machine ${machine.status}, runs as ${machine.roleArn}`,
        ),
      );
    } catch (error) {
      lines.push(line(`roles ${workflowId}`, 'blocker', `${arn}: ${messageOf(error)}`));
    }
  }
  return lines;
}

/**
 * The AWS lines: per workflow and model, its lifecycle and a one-token
 * Converse call; then the bus, the tables and each workflow's state machine
 * and role (a warning when the stacks are not deployed yet). Without
 * credentials, one blocker line says so instead.
 */
export async function awsChecks(
  probes: AwsProbes,
  workflows: readonly WorkflowModels[],
  now: Date,
): Promise<DoctorLine[]> {
  let platform: DeployedPlatform | undefined;
  let unreadable: DoctorLine | undefined;
  try {
    platform = await probes.platform();
  } catch (error) {
    if (isMissingCredentials(error)) {
      return [
        line(
          'credentials',
          'blocker',
          `no AWS credentials found (${messageOf(error)}); set AWS_PROFILE or configure credentials, then run again`,
        ),
      ];
    }
    unreadable = line('stacks', 'blocker', `the awf stacks could not be read: ${messageOf(error)}`);
  }
  const lines: DoctorLine[] = [];
  for (const workflow of workflows) lines.push(...(await modelLines(probes, workflow, now)));
  if (unreadable !== undefined) lines.push(unreadable);
  else
    lines.push(
      ...(await platformLines(
        probes,
        platform,
        workflows.map((w) => w.workflowId),
      )),
    );
  return lines;
}
