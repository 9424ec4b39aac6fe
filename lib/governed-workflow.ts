/**
 * The infrastructure of one workflow pack: its step Lambdas, its Standard
 * state machine, the rule that starts runs from the bus and the schedule that
 * sends approval reminders.
 */
import { basename } from 'node:path';
import { Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { durationToSeconds } from '../core/duration.js';
import { WorkflowSpecError } from '../core/errors.js';
import { ENV } from '../core/runtime-env.js';
import { declaredPorts } from '../core/steps/definitions.js';
import type { PortNeeds } from '../core/steps/ports.js';
import type { WorkflowPack } from '../core/workflow/pack.js';
import type { WorkflowSpec } from '../core/workflow/spec.js';
import { loadAslDefinition } from './asl-definition.js';
import { InfrastructurePropsError } from './errors.js';
import { grantLineageAppend, grantRunsRead, grantRunsReadWrite } from './grants/dynamodb.js';
import { grantPutWorkflowEvents } from './grants/events.js';
import { grantModelInvoke } from './grants/model-invoke.js';
import { GOVERNED_WORKFLOW_ASL } from './project-paths.js';
import { writeStepEntry } from './step-entry.js';
import { WorkflowStepFunction } from './step-function.js';
import { pascalCase, STEP_NAMES, STEP_PROFILES, type StepName } from './steps.js';

/** Props of {@link GovernedWorkflow}. */
export interface GovernedWorkflowProps {
  /** The validated pack: spec, prompt and policies. */
  readonly pack: WorkflowPack;
  /** The pack's folder (`workflows/<id>`); the Lambda entries import the pack's files from it. */
  readonly packDir: string;
  /** The platform bus: runs start from its events and steps put theirs on it. */
  readonly eventBus: events.IEventBus;
  /** Runs, approvals, idempotency records, autonomy levels and counters. */
  readonly runsTable: dynamodb.ITable;
  /** The append-only evidence. */
  readonly lineageTable: dynamodb.ITable;
  /**
   * The customer-managed key of the tables; also encrypts this workflow's log
   * groups and dead-letter queue, so its key policy must let CloudWatch Logs
   * and EventBridge use it (the data stack's key does).
   */
  readonly key: kms.IKey;
  /**
   * The state machine definition.
   * @default - statemachines/governed-workflow.asl.json
   */
  readonly definitionFile?: string;
  /**
   * How long the step and state machine logs are kept.
   * @default logs.RetentionDays.SIX_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Destination regions of a geographic inference profile, when the model's
   * differ from the documented set of its geography.
   * @default - the documented destination regions of the profile's geography
   */
  readonly modelDestinationRegions?: readonly string[];
}

/**
 * Slack added to twice the reminder interval for the approval heartbeat: a
 * reminder run's own duration plus EventBridge's scheduling jitter. One missed
 * reminder run is tolerated; two in a row mean the reminders are broken and
 * the approval ends as expired instead of hanging until the timeout.
 */
const HEARTBEAT_MARGIN_SECONDS = 300;
/** Time budget of one iteration's non-approval steps (ground, plan, gate, act with their retries). */
const ITERATION_BUDGET_SECONDS = 3600;
/** Time budget of admission and closing (admit, complete or escalate with their retries). */
const RUN_BUDGET_SECONDS = 3600;
/** A Standard execution may last at most one year. */
const MAX_EXECUTION_SECONDS = 365 * 86_400;

/** Timeouts the ASL's numeric placeholders take, derived from the spec. */
export interface WorkflowTimeouts {
  readonly approvalTimeoutSeconds: number;
  readonly approvalHeartbeatSeconds: number;
  readonly reminderIntervalSeconds: number;
  readonly executionTimeoutSeconds: number;
}

/**
 * Derives the state machine's timeouts from a spec.
 *
 * @throws WorkflowSpecError naming the workflow and field when the spec's
 *   approval timings cannot be scheduled (the reminder interval is not whole
 *   minutes, the heartbeat would not fit in the timeout, or the run could
 *   outlive a Standard execution).
 */
export function workflowTimeouts(spec: WorkflowSpec): WorkflowTimeouts {
  const problems: string[] = [];
  const approvalTimeoutSeconds = durationToSeconds(spec.approvals.timeout);
  const reminderIntervalSeconds = durationToSeconds(spec.approvals.reminderInterval);
  const approvalHeartbeatSeconds = 2 * reminderIntervalSeconds + HEARTBEAT_MARGIN_SECONDS;
  const executionTimeoutSeconds =
    spec.agent.maxIterations * (approvalTimeoutSeconds + ITERATION_BUDGET_SECONDS) + RUN_BUDGET_SECONDS;

  if (reminderIntervalSeconds % 60 !== 0) {
    problems.push(
      `approvals.reminderInterval: expected whole minutes (the reminder schedule is an EventBridge rate), got ${spec.approvals.reminderInterval}`,
    );
  }
  if (approvalHeartbeatSeconds >= approvalTimeoutSeconds) {
    problems.push(
      `approvals.reminderInterval: expected twice the interval plus ${HEARTBEAT_MARGIN_SECONDS}s ` +
        `(the approval heartbeat) to be less than the approval timeout (${spec.approvals.timeout}), ` +
        `got ${spec.approvals.reminderInterval} (heartbeat ${approvalHeartbeatSeconds}s)`,
    );
  }
  if (executionTimeoutSeconds > MAX_EXECUTION_SECONDS) {
    problems.push(
      `approvals.timeout: expected agent.maxIterations x (approval timeout + 1h) + 1h to fit in a ` +
        `Standard execution (365d), got ${spec.agent.maxIterations} x ${spec.approvals.timeout}`,
    );
  }
  if (problems.length > 0) throw new WorkflowSpecError(spec.id, problems);
  return {
    approvalTimeoutSeconds,
    approvalHeartbeatSeconds,
    reminderIntervalSeconds,
    executionTimeoutSeconds,
  };
}

/**
 * One governed workflow: ten step Lambdas with a role each, the Standard
 * state machine from `statemachines/governed-workflow.asl.json`, the
 * EventBridge rule that starts it (with a dead-letter queue and an explicit
 * retry policy) and the schedule that runs the reminder step.
 *
 * Every role holds only what its step needs; see the grants in the
 * constructor, one per need.
 *
 * @example
 * for (const { pack, dir } of await discoverWorkflowPacks()) {
 *   new GovernedWorkflow(this, pascalCase(pack.spec.id), {
 *     pack, packDir: dir, eventBus: data.eventBus, runsTable: data.runsTable,
 *     lineageTable: data.lineageTable, key: data.key,
 *   });
 * }
 */
export class GovernedWorkflow extends Construct {
  /** The Standard state machine that runs the workflow. */
  public readonly stateMachine: sfn.StateMachine;
  /** The rule on the platform bus that starts a run per matching event. */
  public readonly rule: events.Rule;
  /** The rule on the default bus that runs the reminder step every reminder interval. */
  public readonly reminderSchedule: events.Rule;
  /** Events EventBridge could not deliver (to the state machine or the reminder) and failed reminder runs. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The step Lambdas, by step. */
  public readonly functions: Readonly<Record<StepName, nodejs.NodejsFunction>>;
  /** The execution role of each step Lambda, by step; each holds only its step's grants. */
  public readonly roles: Readonly<Record<StepName, iam.Role>>;
  /** The timeouts substituted into the definition. */
  public readonly timeouts: WorkflowTimeouts;

  constructor(scope: Construct, id: string, props: GovernedWorkflowProps) {
    super(scope, id);
    const { spec } = props.pack;
    validateProps(props);
    this.timeouts = workflowTimeouts(spec);
    const logRetention = props.logRetention ?? logs.RetentionDays.SIX_MONTHS;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    // Build: one function per step.
    const steps = {} as Record<StepName, WorkflowStepFunction>;
    for (const step of STEP_NAMES) {
      const asynchronous = step === 'remind';
      steps[step] = new WorkflowStepFunction(this, pascalCase(step), {
        workflowId: spec.id,
        step,
        profile: STEP_PROFILES[step],
        entry: writeStepEntry({ step, spec, packDir: props.packDir, ports: declaredPorts(step) }),
        environment: {
          [ENV.workflowId]: spec.id,
          [ENV.runsTable]: props.runsTable.tableName,
          [ENV.lineageTable]: props.lineageTable.tableName,
          [ENV.eventBus]: props.eventBus.eventBusName,
          ...(declaredPorts(step).model ? { [ENV.modelId]: spec.agent.modelId } : {}),
        },
        logKey: props.key,
        logRetention,
        deadLetterQueue: asynchronous ? this.deadLetterQueue : undefined,
      });
    }
    this.functions = Object.fromEntries(STEP_NAMES.map((step) => [step, steps[step].function])) as Record<
      StepName,
      nodejs.NodejsFunction
    >;
    this.roles = Object.fromEntries(STEP_NAMES.map((step) => [step, steps[step].role])) as Record<
      StepName,
      iam.Role
    >;

    // Grant: what each step's definition declares, one explicit grant per declared port.
    this.stateMachine = this.buildStateMachine(props, steps, logRetention);
    for (const step of STEP_NAMES) {
      this.grantPorts(props, declaredPorts(step), steps[step].role);
    }
    grantQueueDelivery(this.deadLetterQueue, props.key, steps.remind.role);

    this.rule = new events.Rule(this, 'TriggerRule', {
      eventBus: props.eventBus,
      description: `awf ${spec.id}: start a run per ${spec.trigger.source} / ${spec.trigger.detailType} event`,
      eventPattern: {
        source: [spec.trigger.source],
        detailType: [spec.trigger.detailType],
        ...(spec.trigger.detailPattern ? { detail: spec.trigger.detailPattern } : {}),
      },
    });
    // No `input`: the whole event is the execution input, as Admit expects.
    this.rule.addTarget(
      new targets.SfnStateMachine(this.stateMachine, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 16,
        maxEventAge: Duration.hours(24),
      }),
    );

    this.reminderSchedule = new events.Rule(this, 'ReminderSchedule', {
      description: `awf ${spec.id}: remind approvers and heartbeat pending approvals`,
      schedule: events.Schedule.rate(Duration.seconds(this.timeouts.reminderIntervalSeconds)),
    });
    this.reminderSchedule.addTarget(
      new targets.LambdaFunction(steps.remind.function, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      }),
    );

    acknowledgeFindings(this, steps);
  }

  /** Grants a step's role exactly the ports its definition declares. */
  private grantPorts(props: GovernedWorkflowProps, needs: PortNeeds, role: iam.Role): void {
    const { spec } = props.pack;
    const stack = Stack.of(this);
    if (needs.lineage === 'append') grantLineageAppend(props.lineageTable, props.key, role);
    if (needs.runs === 'read') grantRunsRead(props.runsTable, props.key, role);
    else if (needs.runs !== undefined)
      grantRunsReadWrite(props.runsTable, props.key, role, needs.runs.writes);
    if (needs.events === 'workflow') grantPutWorkflowEvents(props.eventBus, role, { workflowId: spec.id });
    if (needs.events === 'connectors') this.grantConnectorEvents(spec, props.eventBus, role);
    if (needs.items === 'connectors') this.grantConnectorItems(spec, role);
    if (needs.model === 'invoke') {
      grantModelInvoke(role, spec.agent.modelId, {
        partition: stack.partition,
        region: stack.region,
        account: stack.account,
        destinationRegions: props.modelDestinationRegions,
      });
    }
    if (needs.callbacks === 'answer') this.stateMachine.grantTaskResponse(role);
  }

  /**
   * Act reaches its workflow's connectors and nothing else: PutEvents only with
   * the workflow's source and its connectors' detail-types, UpdateItem only on
   * the named connector tables.
   */
  private grantConnectorEvents(spec: WorkflowSpec, bus: events.IEventBus, role: iam.IRole): void {
    const connectors = Object.values(spec.actions).map((action) => action.connector);
    const detailTypes = connectors.flatMap((c) => (c.type === 'eventbridge' ? [c.detailType] : []));
    if (detailTypes.length > 0) grantPutWorkflowEvents(bus, role, { workflowId: spec.id, detailTypes });
  }

  /** See {@link grantConnectorEvents}. */
  private grantConnectorItems(spec: WorkflowSpec, role: iam.IRole): void {
    const connectors = Object.values(spec.actions).map((action) => action.connector);
    const tableNames = [...new Set(connectors.flatMap((c) => (c.type === 'dynamodb' ? [c.tableName] : [])))];
    for (const tableName of tableNames.sort()) {
      const table = dynamodb.Table.fromTableName(this, `ConnectorTable-${tableName}`, tableName);
      iam.Grant.addToPrincipal({
        grantee: role,
        actions: ['dynamodb:UpdateItem'],
        resourceArns: [table.tableArn],
      });
    }
  }

  private buildStateMachine(
    props: GovernedWorkflowProps,
    steps: Record<StepName, WorkflowStepFunction>,
    logRetention: logs.RetentionDays,
  ): sfn.StateMachine {
    const invoked = STEP_NAMES.flatMap((step) => {
      const placeholder = STEP_PROFILES[step].aslPlaceholder;
      return placeholder ? [{ placeholder, fn: steps[step].function }] : [];
    });
    const { definition, definitionSubstitutions } = loadAslDefinition(
      props.definitionFile ?? GOVERNED_WORKFLOW_ASL,
      {
        numbers: {
          ApprovalTimeoutSeconds: this.timeouts.approvalTimeoutSeconds,
          ApprovalHeartbeatSeconds: this.timeouts.approvalHeartbeatSeconds,
          ExecutionTimeoutSeconds: this.timeouts.executionTimeoutSeconds,
        },
        strings: {
          Partition: Stack.of(this).partition,
          ...Object.fromEntries(invoked.map(({ placeholder, fn }) => [placeholder, fn.functionArn])),
        },
      },
    );

    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', {
      retention: logRetention,
      encryptionKey: props.key,
    });
    const stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(definition),
      definitionSubstitutions,
      tracingEnabled: true,
      logs: {
        destination: logGroup,
        level: sfn.LogLevel.ALL,
        // Execution data is the business event and the step results, which carry
        // personal data (emails, phone numbers) the lineage deliberately redacts;
        // the log records every state transition without it.
        includeExecutionData: false,
      },
    });
    // A definition from a file gets no automatic grants: invoke exactly the
    // functions the definition names (unqualified ARNs, no `:*`).
    stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: invoked.map(({ fn }) => fn.functionArn),
      }),
    );
    return stateMachine;
  }
}

/**
 * Lets the reminder function deliver its failed asynchronous invocations to
 * the dead-letter queue (Lambda sends them with the function's role).
 */
function grantQueueDelivery(queue: sqs.IQueue, key: kms.IKey, grantee: iam.IGrantable): void {
  iam.Grant.addToPrincipal({ grantee, actions: ['sqs:SendMessage'], resourceArns: [queue.queueArn] });
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
    resourceArns: [key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `sqs.${Aws.REGION}.${Aws.URL_SUFFIX}` } },
  });
}

function validateProps(props: GovernedWorkflowProps): void {
  const { spec } = props.pack;
  const folder = basename(props.packDir);
  if (folder !== spec.id) {
    throw new InfrastructurePropsError(
      `packDir must be the folder of workflow "${spec.id}" (named after its id), got a folder named "${folder}"`,
    );
  }
  for (const [name, table] of [
    ['runsTable', props.runsTable],
    ['lineageTable', props.lineageTable],
  ] as const) {
    if (table.encryptionKey !== undefined && table.encryptionKey !== props.key) {
      throw new InfrastructurePropsError(
        `${name} must be encrypted with the key given as props.key, got a table encrypted with ${table.encryptionKey.node.path}`,
      );
    }
  }
  if (props.pack.prompt.trim() === '') {
    throw new WorkflowSpecError(spec.id, [
      `agent.prompt: expected a non-empty prompt in ${spec.agent.prompt}, got ""`,
    ]);
  }
}

/**
 * Acknowledges the cdk-nag findings this construct cannot fix, each on the
 * construct that causes it and each with the reason it is acceptable.
 */
function acknowledgeFindings(
  workflow: GovernedWorkflow,
  steps: Record<StepName, WorkflowStepFunction>,
): void {
  for (const step of STEP_NAMES) {
    const { role, function: fn } = steps[step];
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions; every other statement names its resources.',
    });
    if (step !== 'remind') {
      Validations.of(fn).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason:
          'Invoked synchronously (by the state machine or an approver), never asynchronously: the caller sees every failure and Step Functions Retry/Catch route it to escalation.',
      });
    }
  }
  Validations.of(workflow.stateMachine.role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Logging to CloudWatch Logs (logs:CreateLogDelivery and related) and X-Ray tracing support no resource-level permissions; Lambda invocation is limited to the functions the definition names.',
  });
  Validations.of(workflow.deadLetterQueue).acknowledge({
    id: 'Serverless-SQSRedrivePolicy',
    reason:
      'This queue is itself the dead-letter queue of the trigger rule, the reminder schedule and the reminder function; a queue behind it would only move the problem.',
  });
}
