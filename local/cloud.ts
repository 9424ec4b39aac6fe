/**
 * The local cloud: the synthesized stacks running on this machine, each part
 * reached through the real AWS SDK clients.
 *
 * {@link startLocalCloud} synthesizes when `cdk.out` is stale, then starts on
 * 127.0.0.1 DynamoDB Local with the template's tables, the Bedrock stand-in,
 * the Lambda host and its Invoke API, Step Functions and EventBridge; wires
 * the functions to every endpoint once all ports are known; and writes
 * `.awf/local.json` for the CLI. `awf local up` (`npm start`), the end-to-end
 * tests and the benchmark all start it through here; the demo `awf local up`
 * runs on it lives with that command (`cli/commands/local-demo.ts`).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { toDocumentClient } from '../adapters/aws-clients.js';
import { DynamoDbRunsStore } from '../adapters/dynamodb-runs-store.js';
import { checkSpeed, formatClockScale } from '../core/clock-scale.js';
import { AwfError } from '../core/errors.js';
import { ENV } from '../core/runtime-env.js';
import { discoverWorkflowPacks, type LocatedWorkflowPack, WORKFLOWS_DIR } from '../workflows/discover.js';
import { type LocalBedrock, startLocalBedrock } from './bedrock/index.js';
import { scaledTime } from './clock/scaled-time.js';
import {
  checkJavaRuntime,
  type LocalDynamoDb,
  type LocalTableBackground,
  startLocalDynamoDb,
  startTableBackground,
} from './dynamodb/index.js';
import { type EventBridgeService, eventBridgeFromTemplate, startEventBridge } from './eventbridge/index.js';
import { NotificationLog } from './eventbridge/topics.js';
import { type FactTables, prepareFactTables } from './facts/tables.js';
import {
  identitiesPath,
  type LocalIdentity,
  mintIdentity,
  readLocalIdentities,
  writeLocalIdentities,
} from './iam/identities.js';
import { kmsFromTemplate, type LocalKmsService, startLocalKms } from './kms/index.js';
import {
  functionUrlsFromTemplate,
  type LocalFunctionUrls,
  startFunctionUrls,
} from './lambda/function-urls.js';
import { type LocalLambda, openFunctionLog, startLocalLambda } from './lambda/index.js';
import { startLocalCheckpointer } from './lineage/checkpointer.js';
import { CHECKPOINTS_DIR } from './lineage/checkpointing.js';
import type { LocalService } from './ports.js';
import { localClientConfig } from './process/aws-env.js';
import { LOCAL_STATE_DIR, type LocalState, removeLocalState, writeLocalState } from './process/state-file.js';
import { PROJECT_ROOT, synthesizeIfStale } from './process/synth.js';
import { watchProgress } from './progress.js';
import { type LocalSchedulerService, startLocalScheduler } from './scheduler/index.js';
import {
  type StepFunctionsService,
  startStepFunctions,
  stateMachinesFromTemplate,
} from './stepfunctions/index.js';
import { executionStatusChange } from './stepfunctions/status-events.js';
import { type LocalTemplate, loadCloudAssembly } from './template/index.js';
import { type Topology, topologyOf } from './topology.js';

/** How to start the local cloud. */
export interface LocalCloudOptions {
  /**
   * Keep DynamoDB in memory: every table starts empty and is gone at stop.
   * @default false - data kept under `<stateDir>/dynamodb/`
   */
  readonly inMemory?: boolean;
  /**
   * Factor on `Retry` intervals and EventBridge retry delays: 0 retries at once (tests), 1 as AWS.
   * @default 1
   */
  readonly retryIntervalScale?: number;
  /**
   * An ES module whose default export answers every Converse request instead of the packs' `local-model.ts`.
   * @default - the `AWF_MODEL_SCRIPT` environment variable; when unset, each pack's local model
   */
  readonly modelScript?: string;
  /**
   * Folder of local state: `local.json`, the event sink, DynamoDB's data, the
   * functions' log, the local KMS's HMAC key material (`kms/`).
   * @default '.awf'
   */
  readonly stateDir?: string;
  /**
   * The cloud assembly to run.
   * @default - `cdk.out` in the project root
   */
  readonly cdkOut?: string;
  /**
   * Synthesize first when the cloud assembly is missing or older than the sources.
   * @default true
   */
  readonly synth?: boolean;
  /**
   * Where the workflow packs are (stand-in models, example events, entity keys).
   * @default - the repository's `workflows/`
   */
  readonly workflowsDir?: string;
  /**
   * Most execution environments (worker threads) one function runs at once.
   * One per function: with ten functions, one each already keeps two cores
   * busy, and every further environment loads, warms up and collects its own
   * copy of the same code. Measured with `npm run bench` (1000 runs) against
   * two: 15.4 against 15.1 runs/s, 79 against 89 ms of CPU per run, 708
   * against 1118 MB peak memory (300 runs: 13.4 against 11.7 runs/s).
   * @default 1
   */
  readonly maxConcurrencyPerFunction?: number;
  /**
   * Receives lines for people: synthesizing, the endpoints, `ready`, progress.
   * @default - discarded
   */
  readonly log?: (line: string) => void;
  /**
   * How much faster than the wall clock the cloud's time runs, for demos: at
   * 60 an hour passes in a minute. Task timeouts, heartbeats, EventBridge
   * schedules (the reminders) and the step Lambdas' clocks all follow it.
   * @default 1
   */
  readonly speed?: number;
  /**
   * Print one line per state every execution enters, and one when it ends.
   * @default false
   */
  readonly progress?: boolean;
  /**
   * People besides the approver directories' who get a local identity (a
   * session of each workflow's approver role) in `identities.json`: to try
   * the endpoint as someone who is no approver, or as a case's requester.
   * @default []
   */
  readonly principals?: readonly string[];
}

/** The running local cloud. */
export interface LocalCloud {
  /** What `local.json` holds: endpoints, tables, bus, workflows. */
  readonly state: LocalState;
  readonly stateDir: string;
  readonly template: LocalTemplate;
  readonly topology: Topology;
  readonly packs: readonly LocatedWorkflowPack[];
  readonly dynamodb: LocalDynamoDb;
  /** TTL deletions on the local clock and the template's stream mappings. */
  readonly tableBackground: LocalTableBackground;
  /** The packs' grounding tables in DynamoDB Local, with their fixtures put (`local/facts/`). */
  readonly factTables: FactTables;
  readonly bedrock: LocalBedrock;
  readonly kms: LocalKmsService;
  readonly lambda: LocalLambda;
  readonly stepFunctions: StepFunctionsService;
  readonly eventBridge: EventBridgeService;
  /** EventBridge Scheduler's one-time schedules (the workflows' follow-ups), fired on the cloud's clock. */
  readonly scheduler: LocalSchedulerService;
  /** What the workflows' SNS topics would have published, in order. */
  readonly notifications: NotificationLog;
  /** The template's function URLs (the approvals endpoints), checking SigV4 against the local identities. */
  readonly functionUrls: LocalFunctionUrls;
  /** Stops everything that was started, removes `local.json`; safe to call twice. */
  stop(): Promise<void>;
}

/** Something the local cloud needs is missing or broken; the message says what to do. */
export class LocalCloudError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalCloudError';
  }
}

/** Worker threads per function unless `maxConcurrencyPerFunction` says otherwise. */
export const DEFAULT_MAX_CONCURRENCY_PER_FUNCTION = 1;

/** Stops services in reverse start order; every one is stopped even when another fails. */
async function stopAll(services: readonly LocalService[]): Promise<void> {
  const failures: string[] = [];
  for (const service of [...services].reverse()) {
    try {
      await service.stop();
    } catch (error) {
      failures.push(`${service.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failures.length > 0) throw new LocalCloudError(`stopping the local cloud: ${failures.join('; ')}`);
}

/**
 * Starts the local cloud and resolves once every endpoint listens and
 * `local.json` is written.
 *
 * @throws SynthError when the CDK app does not synthesize
 * @throws LocalDynamoDbError when Java is missing (with what to install) or DynamoDB Local does not start
 * @throws TemplateError when the template holds something the local cloud cannot run
 * @example
 * const cloud = await startLocalCloud({ inMemory: true, retryIntervalScale: 0, stateDir });
 * // SDK clients: new EventBridgeClient(localClientConfig(cloud.state.endpoints.eventbridge, cloud.state.region))
 * await cloud.stop();
 */
export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const stateDir = resolvePath(options.stateDir ?? LOCAL_STATE_DIR);
  const cdkOut = resolvePath(options.cdkOut ?? join(PROJECT_ROOT, 'cdk.out'));
  const retryIntervalScale = options.retryIntervalScale ?? 1;
  const scale = { originMs: Date.now(), speed: checkSpeed(options.speed ?? 1) };
  const time = scaledTime(scale);

  // Before a minute of synth: without Java nothing else matters.
  checkJavaRuntime();
  if (options.synth ?? true) await synthesizeIfStale({ cdkOut, onNote: log });
  const template = loadCloudAssembly(cdkOut);
  const packs = await discoverWorkflowPacks(options.workflowsDir ?? WORKFLOWS_DIR);

  const services: LocalService[] = [];
  const sinkFile = join(stateDir, 'events.jsonl');
  const notificationsFile = join(stateDir, 'notifications.jsonl');
  // An in-memory cloud starts with no runs, so its sink and notifications start empty too.
  if (options.inMemory) {
    rmSync(sinkFile, { force: true });
    rmSync(notificationsFile, { force: true });
  }
  // ...and its checkpoints, which would anchor chains its tables no longer hold.
  if (options.inMemory) rmSync(join(stateDir, CHECKPOINTS_DIR), { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
  const functionLog = openFunctionLog(join(stateDir, 'lambda.log'));
  const closeFunctionLog = () => functionLog.close();
  try {
    const dynamodb = await startLocalDynamoDb({
      template,
      ...(options.inMemory ? {} : { dataDir: join(stateDir, 'dynamodb') }),
    });
    services.push(dynamodb);
    // Before any function runs: a run's first grounding read finds its tables and their fixtures.
    const factTables = await withLocalClient(dynamodb.endpoint, template, (client) =>
      prepareFactTables(client, packs),
    );
    const bedrock = await startLocalBedrock({
      clock: () => time.now(),
      ...(options.modelScript === undefined ? {} : { modelScript: options.modelScript }),
      ...(options.workflowsDir === undefined ? {} : { workflowsDir: options.workflowsDir }),
    });
    services.push(bedrock);
    // An in-memory cloud forgets its tables, so its HMAC keys may be new too.
    const kms = await startLocalKms({
      ...kmsFromTemplate(template),
      ...(options.inMemory ? {} : { stateDir }),
    });
    services.push(kms);
    const lambda = await startLocalLambda({
      template,
      endpoints: { dynamodb: dynamodb.endpoint, 'bedrock-runtime': bedrock.endpoint, kms: kms.endpoint },
      maxConcurrencyPerFunction: options.maxConcurrencyPerFunction ?? DEFAULT_MAX_CONCURRENCY_PER_FUNCTION,
      onLog: (line) => functionLog.write(line),
      ...(scale.speed === 1 ? {} : { environment: { [ENV.localClock]: formatClockScale(scale) } }),
    });
    services.push(lambda);
    const stepFunctions = await startStepFunctions({
      stateMachines: stateMachinesFromTemplate(template),
      lambda: lambda.host,
      retryIntervalScale,
      time,
    });
    services.push(stepFunctions);
    // What the workflows' SNS topics would publish (approval requests, reminders, escalations).
    const notifications = new NotificationLog(notificationsFile, () => time.now());
    const eventBridge = await startEventBridge({
      ...eventBridgeFromTemplate(template),
      executions: stepFunctions.stepFunctions,
      lambda: lambda.host,
      sinkFile,
      topics: notifications,
      retryDelayScale: retryIntervalScale,
      schedules: { intervalScale: 1 / scale.speed },
      clock: () => time.now(),
    });
    services.push(eventBridge);
    // Step Functions tells the default bus how each execution ends, as in AWS (the reconcile step listens).
    stepFunctions.stepFunctions.on('execution', (execution) => {
      void execution.settled.then((ended) => {
        eventBridge.eventBridge.publishServiceEvent(executionStatusChange(ended));
      });
    });
    // The follow-ups' one-time schedules, fired on the cloud's clock through the Lambda host.
    const scheduler = await startLocalScheduler({
      lambda: lambda.host,
      time,
      region: template.stacks[0]?.region ?? 'us-east-1',
      accountId: template.stacks[0]?.account ?? '000000000000',
      retryDelayScale: retryIntervalScale,
    });
    services.push(scheduler);
    // Every port is known only now: functions started from here on see all the endpoints.
    await lambda.host.setEndpoints({
      scheduler: scheduler.endpoint,
      dynamodb: dynamodb.endpoint,
      'bedrock-runtime': bedrock.endpoint,
      kms: kms.endpoint,
      lambda: lambda.endpoint,
      sfn: stepFunctions.endpoint,
      eventbridge: eventBridge.endpoint,
    });
    // TTL deletions and stream mappings (the lineage tamper function), which DynamoDB Local does not run itself.
    const tableBackground = await startTableBackground({
      template,
      endpoint: dynamodb.endpoint,
      region: template.stacks[0]?.region ?? 'us-east-1',
      invoker: lambda.host,
      now: () => time.now(),
      onError: (message, error) =>
        functionLog.write({
          functionName: 'dynamodb-background',
          stream: 'stderr',
          line: `${message}: ${String(error)}`,
        }),
    });
    services.push(tableBackground);

    const topology = topologyOf(template, lambda.host.functions);
    const identities = localIdentitiesOf(topology, packs, options.principals ?? []);
    writeLocalIdentities(stateDir, identities);
    const functionUrls = await startFunctionUrls({
      urls: functionUrlsFromTemplate(template),
      invoke: (functionArn, payload) => lambda.host.invokeRaw(functionArn, payload),
      identities: () => readLocalIdentities(stateDir),
      accountId: topology.accountId,
      onRefusal: (line) => functionLog.write({ functionName: 'function-urls', stream: 'stderr', line }),
    });
    services.push(functionUrls);
    // Anchors the lineage: a signed checkpoint now, then every few minutes of the cloud's clock.
    const endpoints = { dynamodb: dynamodb.endpoint, kms: kms.endpoint };
    services.push(startLocalCheckpointer({ stateDir, topology, endpoints, time, log }));
    const state: LocalState = {
      region: topology.region,
      accountId: topology.accountId,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      endpoints: {
        dynamodb: dynamodb.endpoint,
        eventbridge: eventBridge.endpoint,
        sfn: stepFunctions.endpoint,
        lambda: lambda.endpoint,
        bedrockRuntime: bedrock.endpoint,
        kms: kms.endpoint,
      },
      tables: { runs: topology.runsTable, lineage: topology.lineageTable },
      recordKeys: { ...topology.recordKeys },
      eventBus: topology.eventBus,
      workflows: Object.fromEntries(
        Object.values(topology.workflows).map((w) => [
          w.workflowId,
          {
            stateMachineArn: w.stateMachineArn,
            functions: { ...w.functions },
            ...(w.approvalsUrlId ? { approvalsUrl: functionUrls.urlOf(w.approvalsUrlId) } : {}),
            ...(w.operationsUrlId ? { operationsUrl: functionUrls.urlOf(w.operationsUrlId) } : {}),
            ...(w.followUpsUrlId ? { followUpsUrl: functionUrls.urlOf(w.followUpsUrlId) } : {}),
          },
        ]),
      ),
      sinkFile,
      notificationsFile,
      identitiesFile: identitiesPath(stateDir),
    };
    writeLocalState(state, stateDir);

    let stopping: Promise<void> | undefined;
    const cloud: LocalCloud = {
      state,
      stateDir,
      template,
      topology,
      packs,
      dynamodb,
      tableBackground,
      factTables,
      bedrock,
      kms,
      lambda,
      stepFunctions,
      eventBridge,
      scheduler,
      functionUrls,
      notifications,
      stop() {
        stopping ??= (async () => {
          removeLocalState(stateDir);
          try {
            await stopAll(services);
          } finally {
            await closeFunctionLog();
          }
        })();
        return stopping;
      },
    };

    for (const line of describeEndpoints(cloud, options)) log(line);
    const factTableNames = [...factTables.created, ...factTables.existing].sort();
    if (factTableNames.length > 0) {
      const described = factTableNames.map(
        (name) => `${name} (${factTables.seeded[name] ?? 0} fixture items)`,
      );
      log(`  grounding tables: ${described.join(', ')}`);
    }
    if (dynamodb.tables.existing.length > 0) {
      const note = await unfinishedRunsNote(state);
      if (note !== undefined) log(note);
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const ids = Object.keys(state.workflows).sort();
    log(
      `ready in ${seconds} s: ${ids.length} workflow${ids.length === 1 ? '' : 's'} (${ids.join(', ') || 'none'}); state in ${join(stateDir, 'local.json')}`,
    );

    if (options.progress ?? false) watchProgress(cloud, log);
    return cloud;
  } catch (error) {
    removeLocalState(stateDir);
    await stopAll(services).catch(() => {});
    await closeFunctionLog();
    throw error;
  }
}

/**
 * The local identities per workflow: everyone in the workflow's approver
 * directory, and `principals`, each a session of the workflow's approver role
 * (the first role its approvals endpoint trusts); and the workflow's owner
 * contact, and `principals`, each a session of its operator role (the first
 * role its operations endpoint trusts).
 */
function localIdentitiesOf(
  topology: Topology,
  packs: readonly LocatedWorkflowPack[],
  principals: readonly string[],
): LocalIdentity[] {
  const identities: LocalIdentity[] = [];
  for (const workflow of Object.values(topology.workflows)) {
    const [roleArn] = workflow.approverRoles;
    if (roleArn === undefined) continue;
    const pack = packs.find(({ pack: candidate }) => candidate.spec.id === workflow.workflowId);
    const people = new Set([...Object.keys(pack?.pack.spec.approvals.approvers ?? {}), ...principals]);
    for (const person of people) identities.push(mintIdentity(person, workflow.workflowId, roleArn));
    const [operatorRoleArn] = workflow.operatorRoles;
    if (operatorRoleArn === undefined) continue;
    const operators = new Set([...(pack ? [pack.pack.spec.owner.contact] : []), ...principals]);
    for (const person of operators) {
      identities.push(mintIdentity(person, workflow.workflowId, operatorRoleArn, 'operator'));
    }
  }
  return identities;
}

/** Runs `work` with a DynamoDB client of the local endpoint, destroyed after. */
async function withLocalClient<T>(
  endpoint: string,
  template: LocalTemplate,
  work: (client: DynamoDBClient) => Promise<T>,
): Promise<T> {
  const region = template.stacks[0]?.region ?? 'us-east-1';
  const client = new DynamoDBClient(localClientConfig(endpoint, region));
  try {
    return await work(client);
  } finally {
    client.destroy();
  }
}

/**
 * Runs kept in DynamoDB's data from an earlier start whose executions did not
 * survive the restart (executions live in memory): said once, so a run that
 * stays RUNNING or whose approval cannot resume surprises nobody.
 */
async function unfinishedRunsNote(state: LocalState): Promise<string | undefined> {
  const client = new DynamoDBClient(localClientConfig(state.endpoints.dynamodb, state.region));
  try {
    const runs = new DynamoDbRunsStore({ client: toDocumentClient(client), tableName: state.tables.runs });
    const unfinished = (
      await Promise.all(
        (['RUNNING', 'AWAITING_APPROVAL'] as const).map((status) => runs.listRuns({ status })),
      )
    ).flat();
    if (unfinished.length === 0) return undefined;
    return `note: ${unfinished.length} run(s) from an earlier start are still RUNNING or AWAITING_APPROVAL; their executions ended with that start, so they will not finish (start with --in-memory for a clean slate)`;
  } finally {
    client.destroy();
  }
}

function describeEndpoints(cloud: LocalCloud, options: LocalCloudOptions): string[] {
  const { state } = cloud;
  const models = cloud.bedrock.workflows.includes('*')
    ? `model script ${options.modelScript ?? process.env.AWF_MODEL_SCRIPT ?? ''}`
    : `local stand-in models: ${cloud.bedrock.workflows.join(', ') || 'none'}`;
  const rows: [string, string, string][] = [
    [
      'dynamodb',
      state.endpoints.dynamodb,
      options.inMemory ? 'in memory' : `data in ${join(cloud.stateDir, 'dynamodb')}`,
    ],
    ['eventbridge', state.endpoints.eventbridge, `bus ${state.eventBus}, sink ${state.sinkFile}`],
    ['sfn', state.endpoints.sfn, `${Object.keys(state.workflows).length} state machine(s)`],
    [
      'lambda',
      state.endpoints.lambda,
      `${cloud.lambda.host.functions.length} functions, logs in ${join(cloud.stateDir, 'lambda.log')}`,
    ],
    ['bedrock', state.endpoints.bedrockRuntime, models],
    [
      'urls',
      cloud.functionUrls.endpoint,
      `approvals endpoints (SigV4 against ${state.identitiesFile ?? 'the local identities'})`,
    ],
    [
      'kms',
      state.endpoints.kms,
      `${cloud.kms.kms.keys.filter((key) => key.keyUsage === 'GENERATE_VERIFY_MAC').length} HMAC key(s), ${cloud.kms.kms.keys.filter((key) => key.keyUsage === 'ENCRYPT_DECRYPT').length} encryption key(s)${options.inMemory ? ', in memory' : `, material in ${join(cloud.stateDir, 'kms')}`}`,
    ],
  ];
  return rows.map(([name, endpoint, note]) => `  ${name.padEnd(12)}${endpoint.padEnd(24)}${note}`);
}
