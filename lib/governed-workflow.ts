/**
 * The infrastructure of one workflow pack: its step Lambdas, its Standard
 * state machine, the rule that starts runs from the bus and the schedule that
 * sends approval reminders.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ArnFormat, Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { WorkflowSpecError } from '../core/errors.js';
import { RECORD_WRITERS } from '../core/lineage/record-keys.js';
import { modelsOf } from '../core/model/agent-models.js';
import type { ParsedPolicySet } from '../core/policy/policy-set.js';
import { validatePolicies } from '../core/policy/validate-pack.js';
import { ENV } from '../core/runtime-env.js';
import { declaredPorts } from '../core/steps/definitions.js';
import { type PortNeeds, recordKeysVerified } from '../core/steps/ports.js';
import type { ModelChoice } from '../core/workflow/model-choice.js';
import type { WorkflowPack } from '../core/workflow/pack.js';
import type { ActionSpec, WorkflowSpec } from '../core/workflow/spec.js';
import { type WorkflowTimeouts, workflowTimeouts } from '../core/workflow/timeouts.js';
import { loadAslDefinition } from './asl-definition.js';
import { callerEndpoint } from './caller-endpoints.js';
import { InfrastructurePropsError } from './errors.js';
import {
  grantLineageAppend,
  grantLineageAudit,
  grantRunsRead,
  grantRunsReadWrite,
} from './grants/dynamodb.js';
import { grantPutEventsMatching, grantPutWorkflowEvents } from './grants/events.js';
import {
  grantHistoryKeyMac,
  grantRecordKeySign,
  grantRecordKeysVerify,
  grantTaskTokenOpen,
  grantTaskTokenSeal,
  type RecordKeysByWriter,
} from './grants/keys.js';
import { grantModelInvoke } from './grants/model-invoke.js';
import { deploymentSpec } from './model-choice.js';
import { flattenForNag } from './nag-ids.js';
import {
  AWF_PACKAGE_ROOT,
  type BundlingRoot,
  bundlingRootOf,
  findBundlingRoot,
  GOVERNED_WORKFLOW_ASL,
  LOCK_FILE_NAMES,
  stepEntriesDir,
} from './project-paths.js';
import { deadLetterRetention } from './retention.js';
import { writeStepEntry } from './step-entry.js';
import { WorkflowStepFunction } from './step-function.js';
import { pascalCase, STEP_NAMES, STEP_PROFILES, type StepName } from './steps.js';
import { WorkflowAlarms } from './workflow-alarms.js';
import { WorkflowFollowUps } from './workflow-follow-ups.js';
import { WorkflowNotifications } from './workflow-notifications.js';

/** Props of {@link GovernedWorkflow}. */
export interface GovernedWorkflowProps {
  /** The validated pack: spec, prompt and policies, as `loadWorkflowPack(packDir)` returns it. */
  readonly pack: WorkflowPack;
  /**
   * The pack's folder, anywhere on disk, named after the workflow id; the
   * Lambda entries import the pack's `workflow.ts`, prompt and policies from it.
   */
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
   * The HMAC key (`HMAC_256`, `GENERATE_VERIFY_MAC`) the steps that declare
   * the `keys` port hash history keys with (`AwfDataStack.historyKey`); each
   * such role may `kms:GenerateMac` on it, nothing else.
   */
  readonly historyKey: kms.IKey;
  /**
   * The lineage record keys (`AwfDataStack.recordKeys`): an HMAC key per step
   * the lineage registry names as a writer. Each step role may
   * `kms:GenerateMac` with its own key only, and `kms:VerifyMac` with the keys
   * of the writers its definition declares it verifies.
   */
  readonly recordKeys: RecordKeysByWriter;
  /**
   * The symmetric key (`ENCRYPT_DECRYPT`) approval task tokens are stored
   * sealed with (`AwfDataStack.tokenKey`): the step that declares
   * `tokens: 'seal'` may only `kms:Encrypt` with it, the one that declares
   * `tokens: 'open'` only `kms:Decrypt`, each only with an `approvalId`
   * encryption context.
   */
  readonly tokenKey: kms.IKey;
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
  /**
   * The models this deployment runs the workflow with, when they differ from
   * the pack's (a model reached its end of life, or the region serves
   * another): Plan asks `modelId` first and each of `fallbackModels` in turn,
   * and the Plan role may invoke exactly these.
   * @default - CDK context `awf:modelId:<workflow id>` and
   *   `awf:fallbackModels:<workflow id>` (comma-separated) where set, else the
   *   pack's `agent.modelId` and `agent.fallbackModels`
   */
  readonly models?: ModelChoice;
  /**
   * The lock file of the app the step Lambdas are bundled in. Its folder is
   * esbuild's working directory (and Docker bundling's input): it must hold
   * awf's package, and, for Docker bundling, the pack. The generated Lambda
   * entries are written to its `node_modules/.cache/awf/entries/`.
   * @default - the nearest lock file at or above the awf package: your app's
   *   when awf is installed from the registry, this repository's in its checkout
   */
  readonly depsLockFilePath?: string;
  /**
   * Who may assume the workflow's approver role ({@link GovernedWorkflow.approverRole}).
   * Whoever it is, the role's trust policy requires the session name to be
   * the caller's IAM user name (`sts:RoleSessionName` = `${aws:username}`),
   * so the session names the person and nobody can pick another's name; the
   * caller also needs `sts:AssumeRole` on the role in their own policy.
   * @default - the principals of this account (`AccountRootPrincipal`)
   */
  readonly approverRoleTrust?: iam.IPrincipal;
  /**
   * Further roles whose sessions the approvals endpoint trusts to name the
   * person, because AWS sets the session name to the signed-in user: IAM
   * Identity Center permission sets
   * (`arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Approvers_*`;
   * a trailing `*` matches the generated suffix). Never list a role whose
   * trust policy lets callers choose their session name. These roles still
   * need {@link GovernedWorkflow.grantDecide}.
   * @default - only the approver role
   */
  readonly trustedApproverRoleArns?: readonly string[];
  /**
   * Who may assume the workflow's operator role ({@link GovernedWorkflow.operatorRole}),
   * always only with their own user name as the session name.
   * @default - the principals of this account (`AccountRootPrincipal`)
   */
  readonly operatorRoleTrust?: iam.IPrincipal;
  /**
   * Further roles whose sessions the operations endpoint trusts to name the
   * operator (IAM Identity Center permission sets; a trailing `*` matches the
   * generated suffix). These roles still need {@link GovernedWorkflow.grantOperate}.
   * @default - only the operator role
   */
  readonly trustedOperatorRoleArns?: readonly string[];
  /**
   * Where the workflow's alarms notify (`AwfDataStack.alarmTopic`): dead letters,
   * failed, timed-out and aborted executions, step errors and throttles,
   * escalation rate, approval backlog, model unavailable, reconciled runs.
   * @default - the alarms exist without an action
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Who may put this workflow's trigger events (its trigger's source and
   * detail-type) on the bus: IAM roles or users, or `ArnPrincipal`s whose ARN
   * may end in `*` (an IAM Identity Center permission set's roles). The bus
   * gets a policy statement (`AWS::Events::EventBusPolicy`) denying
   * `events:PutEvents` of such events to every other principal; the senders
   * still need the action in their own policy ({@link grantStartRuns}).
   * Several workflows on one trigger each deny: a sender must be listed in every one.
   * @default - the principals of this stack's account: the statement denies
   *   every other account, even one a later bus policy statement allows
   */
  readonly triggerSenders?: readonly iam.IPrincipal[];
  /**
   * Who hears of the workflow's approval requests, reminders and escalations:
   * subscriptions added to its notification topic ({@link GovernedWorkflow.notifications}).
   * @default - none; subscribe in the console or another stack
   */
  readonly notificationSubscriptions?: readonly sns.ITopicSubscription[];
  /**
   * The most Plan invocations (model calls) of this workflow at once: the
   * Plan function's reserved concurrency. Throttled Plans are retried by the
   * state machine (three times, with jitter) and then escalate. Reserved
   * concurrency is taken from the account's pool, and Lambda keeps a minimum
   * unreserved (100 at the default limit of 1,000; a new account whose limit
   * is 10 can reserve none, and the deploy fails): see docs/OPERATIONS.md.
   * @default - no reservation: Plan scales with the account's unreserved concurrency
   */
  readonly modelConcurrency?: number;
}

export { type WorkflowTimeouts, workflowTimeouts } from '../core/workflow/timeouts.js';

/**
 * How often the reconcile step sweeps the runs still open: status-change
 * events are best effort, so a run whose event was lost is closed within this.
 */
export const RECONCILE_SWEEP_INTERVAL = Duration.minutes(15);

/**
 * One governed workflow: fourteen step Lambdas with a role each, the Standard
 * state machine from `statemachines/governed-workflow.asl.json`, the
 * EventBridge rule that starts it (with a dead-letter queue and an explicit
 * retry policy), the schedule that runs the reminder step, and the rule and
 * schedule on the default bus that close runs whose execution ended outside
 * the state machine (the reconcile step).
 *
 * Every role holds only what its step needs; see the grants in the
 * constructor, one per need.
 *
 * Grant access to it with {@link grantStartRuns}, {@link grantDecide}
 * and {@link grantReadLineage}; approvers assume {@link approverRole}. Props it cannot build from fail with
 * aws-cdk-lib's `ValidationError` naming this construct's path.
 *
 * @example
 * const packDir = join(import.meta.dirname, 'workflows', 'refund-triage');
 * const refunds = new GovernedWorkflow(stack, 'RefundTriage', {
 *   pack: await loadWorkflowPack(packDir), packDir,
 *   eventBus: data.eventBus, runsTable: data.runsTable, lineageTable: data.lineageTable, key: data.key,
 *   historyKey: data.historyKey, recordKeys: data.recordKeys, tokenKey: data.tokenKey,
 * });
 * refunds.grantDecide(approvalsConsoleRole); // then: awf approvals approve ... --aws
 */
export class GovernedWorkflow extends Construct {
  /** The Standard state machine that runs the workflow. */
  public readonly stateMachine: sfn.StateMachine;
  /** The rule on the platform bus that starts a run per matching event. */
  public readonly rule: events.Rule;
  /** The rule on the default bus that runs the reminder step every reminder interval. */
  public readonly reminderSchedule: events.Rule;
  /** The rule on the default bus that sends Step Functions' failed, timed-out and aborted executions to the reconcile step. */
  public readonly executionEndedRule: events.Rule;
  /** The rule on the default bus that runs the reconcile step's sweep of runs still open. */
  public readonly sweepSchedule: events.Rule;
  /** Events EventBridge could not deliver (to the state machine or the reminder) and failed reminder runs. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The step Lambdas, by step. */
  public readonly functions: Readonly<Record<StepName, nodejs.NodejsFunction>>;
  /** The execution role of each step Lambda, by step; each holds only its step's grants. */
  public readonly roles: Readonly<Record<StepName, iam.Role>>;
  /** The timeouts substituted into the definition. */
  public readonly timeouts: WorkflowTimeouts;
  /** The workflow's alarms (docs/OPERATIONS.md). */
  public readonly alarms: WorkflowAlarms;
  /** The topic people hear of approval requests, reminders and escalations on, and the rule feeding it. */
  public readonly notifications: WorkflowNotifications;
  /**
   * The approvals endpoint: the decide-approval function's URL, `AWS_IAM`
   * auth. The approver is the caller's IAM identity; see {@link grantDecide}.
   */
  public readonly approvalsUrl: lambda.FunctionUrl;
  /**
   * The role approvers assume to decide (`awf approvals ... --aws`): its
   * session name must be the caller's IAM user name, which the endpoint takes
   * as the person; it may call the approvals endpoint and read the stacks'
   * outputs, nothing else.
   */
  public readonly approverRole: iam.Role;
  /**
   * The operations endpoint: the switch function's URL, `AWS_IAM` auth
   * (`awf workflows pause | resume | status`). The operator is the caller's
   * IAM identity; see {@link grantOperate}.
   */
  public readonly operationsUrl: lambda.FunctionUrl;
  /**
   * The role operators assume to halt, put in approve-all or resume the
   * workflow: its session name must be the caller's IAM user name, which the
   * switch records as the operator; it may call the operations endpoint and
   * read the stacks' outputs, nothing else.
   */
  public readonly operatorRole: iam.Role;
  /**
   * The follow-ups endpoint: the follow-up function's URL, `AWS_IAM` auth
   * (`awf runs cancel-follow-up`), called by the same operators as
   * {@link operationsUrl}; see {@link grantOperate}.
   */
  public readonly followUpsUrl: lambda.FunctionUrl;
  /** The models Plan may call, in the order it calls them: the deployment's model, then its fallbacks. */
  public readonly modelIds: readonly string[];
  /** The schedule group and scheduler role of the workflow's follow-ups (spec `followUp`). */
  public readonly followUps: WorkflowFollowUps;

  private readonly spec: WorkflowSpec;
  private readonly eventBus: events.IEventBus;
  private readonly lineageTable: dynamodb.ITable;
  private readonly key: kms.IKey;
  private readonly recordKeys: RecordKeysByWriter;

  constructor(scope: Construct, id: string, props: GovernedWorkflowProps) {
    super(scope, id);
    const parsedPolicies = validateProps(this, props);
    // The pack as this deployment runs it: its models may be chosen per deployment.
    const spec = deploymentSpec(this, props.pack.spec, props.models);
    this.modelIds = modelsOf(spec.agent);
    const bundlingRoot = this.bundlingRoot(props);
    const entriesDir = stepEntriesDir(bundlingRoot.projectRoot);
    this.timeouts = workflowTimeouts(spec);
    this.spec = spec;
    this.eventBus = props.eventBus;
    this.lineageTable = props.lineageTable;
    this.key = props.key;
    this.recordKeys = props.recordKeys;
    const logRetention = props.logRetention ?? logs.RetentionDays.SIX_MONTHS;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      // A dead letter can be the business event itself: kept no longer than the workflow keeps data.
      retentionPeriod: deadLetterRetention(spec.data.retentionDays),
    });

    // Build: one function per step.
    const steps = {} as Record<StepName, WorkflowStepFunction>;
    for (const step of STEP_NAMES) {
      // The follow-up step is invoked asynchronously by its schedules: Lambda retries it, then dead-letters it.
      const asynchronous = step === 'remind' || step === 'reconcile' || step === 'follow-up';
      steps[step] = new WorkflowStepFunction(this, pascalCase(step), {
        workflowId: spec.id,
        step,
        profile: STEP_PROFILES[step],
        entry: writeStepEntry(
          this,
          {
            step,
            spec,
            packDir: props.packDir,
            ports: declaredPorts(step),
            // The steps that evaluate policies take synth's parse instead of parsing again at cold start.
            ...(STEP_PROFILES[step].evaluatesPolicies ? { parsedPolicies } : {}),
          },
          entriesDir,
        ),
        bundlingRoot,
        environment: {
          [ENV.workflowId]: spec.id,
          [ENV.runsTable]: props.runsTable.tableName,
          [ENV.lineageTable]: props.lineageTable.tableName,
          [ENV.eventBus]: props.eventBus.eventBusName,
          ...(declaredPorts(step).model
            ? {
                [ENV.modelId]: spec.agent.modelId,
                [ENV.fallbackModels]: JSON.stringify(spec.agent.fallbackModels),
              }
            : {}),
          ...(declaredPorts(step).keys ? { [ENV.historyKeyId]: props.historyKey.keyArn } : {}),
          ...(declaredPorts(step).recordKeys ? { [ENV.recordKeys]: this.recordKeyIdsOf(step) } : {}),
          ...(declaredPorts(step).tokens ? { [ENV.tokenKeyId]: props.tokenKey.keyArn } : {}),
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

    if (props.modelConcurrency !== undefined) {
      (steps.plan.function.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions =
        props.modelConcurrency;
    }

    this.followUps = new WorkflowFollowUps(this, 'FollowUps', {
      workflowId: spec.id,
      followUpFunction: steps['follow-up'].function,
      deadLetterQueue: this.deadLetterQueue,
      key: props.key,
    });
    for (const step of STEP_NAMES) {
      if (declaredPorts(step).scheduler !== undefined) {
        steps[step].function.addEnvironment(ENV.followUpScheduler, this.followUps.adapterConfig());
      }
    }

    // Grant: what each step's definition declares, one explicit grant per declared port.
    this.stateMachine = this.buildStateMachine(props, steps, logRetention);
    for (const step of STEP_NAMES) {
      this.grantPorts(props, step, declaredPorts(step), steps[step].role);
    }
    grantQueueDelivery(this.deadLetterQueue, props.key, steps.remind.role);
    grantQueueDelivery(this.deadLetterQueue, props.key, steps.reconcile.role);
    grantQueueDelivery(this.deadLetterQueue, props.key, steps['follow-up'].role);

    this.rule = new events.Rule(this, 'TriggerRule', {
      eventBus: props.eventBus,
      description: `awf ${spec.id}: start a run per ${spec.trigger.source} / ${spec.trigger.detailType} event`,
      eventPattern: {
        source: [spec.trigger.source],
        detailType: [spec.trigger.detailType],
        ...(spec.trigger.detailPattern ? { detail: spec.trigger.detailPattern } : {}),
      },
    });
    restrictTriggerSenders(this, spec, props);
    // No `input`: the whole event is the execution input, as Admit expects.
    this.rule.addTarget(
      new targets.SfnStateMachine(this.stateMachine, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 16,
        maxEventAge: Duration.hours(24),
      }),
    );

    this.reminderSchedule = new events.Rule(this, 'ReminderSchedule', {
      description: `awf ${spec.id}: remind approvers of pending approvals`,
      schedule: events.Schedule.rate(Duration.seconds(this.timeouts.reminderIntervalSeconds)),
    });
    this.reminderSchedule.addTarget(
      new targets.LambdaFunction(steps.remind.function, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      }),
    );

    // Every execution ends recorded: Step Functions' status changes (default bus, best effort) and a sweep.
    this.executionEndedRule = new events.Rule(this, 'ExecutionEndedRule', {
      description: `awf ${spec.id}: close the run of an execution that failed, timed out or was stopped`,
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [this.stateMachine.stateMachineArn],
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
        },
      },
    });
    this.executionEndedRule.addTarget(
      new targets.LambdaFunction(steps.reconcile.function, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 16,
        maxEventAge: Duration.hours(24),
      }),
    );
    this.sweepSchedule = new events.Rule(this, 'SweepSchedule', {
      description: `awf ${spec.id}: close runs still open whose execution has ended (status changes are best effort)`,
      schedule: events.Schedule.rate(RECONCILE_SWEEP_INTERVAL),
    });
    this.sweepSchedule.addTarget(
      new targets.LambdaFunction(steps.reconcile.function, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      }),
    );

    const endpointStacks = [Stack.of(this).stackId, Stack.of(props.runsTable).stackId];
    const approvals = callerEndpoint(this, 'ApproverRole', {
      kind: 'approver',
      workflowId: spec.id,
      function: steps['decide-approval'].function,
      trust: props.approverRoleTrust ?? new iam.AccountRootPrincipal(),
      trustedRoleArns: props.trustedApproverRoleArns ?? [],
      stackIds: endpointStacks,
      purpose: 'approvers decide pending approvals through the approvals endpoint',
    });
    this.approvalsUrl = approvals.url;
    this.approverRole = approvals.role;
    const operations = callerEndpoint(this, 'OperatorRole', {
      kind: 'operator',
      workflowId: spec.id,
      function: steps.switch.function,
      trust: props.operatorRoleTrust ?? new iam.AccountRootPrincipal(),
      trustedRoleArns: props.trustedOperatorRoleArns ?? [],
      stackIds: endpointStacks,
      purpose: 'operators halt, put in approve-all or resume the workflow through its operations endpoint',
    });
    this.operationsUrl = operations.url;
    this.operatorRole = operations.role;
    // Asking to cancel a follow-up: the same operators, through the follow-up function's own URL.
    this.followUpsUrl = callerEndpoint(this, 'FollowUpsEndpoint', {
      kind: 'operator',
      workflowId: spec.id,
      function: steps['follow-up'].function,
      trust: props.operatorRoleTrust ?? new iam.AccountRootPrincipal(),
      trustedRoleArns: props.trustedOperatorRoleArns ?? [],
      stackIds: endpointStacks,
      purpose: 'operators ask to cancel pending follow-ups',
      role: operations.role,
    }).url;

    this.notifications = new WorkflowNotifications(this, 'Notifications', {
      workflowId: spec.id,
      eventBus: props.eventBus,
      key: props.key,
      deadLetterQueue: this.deadLetterQueue,
      ...(props.notificationSubscriptions ? { subscriptions: props.notificationSubscriptions } : {}),
    });

    this.alarms = new WorkflowAlarms(this, 'Alarms', {
      workflowId: spec.id,
      stateMachine: this.stateMachine,
      deadLetterQueue: this.deadLetterQueue,
      functions: this.functions,
      approvalTimeoutSeconds: this.timeouts.approvalTimeoutSeconds,
      ...(props.alarmTopic ? { topic: props.alarmTopic } : {}),
    });

    acknowledgeFindings(this, steps);
  }

  /**
   * Lets `grantee` start runs of this workflow the way business systems do:
   * `events:PutEvents` on the platform bus, only when every entry of the call
   * carries the trigger's source and detail-type.
   *
   * A run then starts through the trigger rule, with its retries and
   * dead-letter queue, and Admit validates and deduplicates the event; a direct
   * `states:StartExecution` would bypass the rule, so it is not what this
   * grants. When the trigger has a `detailPattern`, only events that also
   * match it start a run. The bus is shared: another workflow triggered by the
   * same source and detail-type starts on the same events.
   *
   * @example
   * refunds.grantStartRuns(supportDeskFunction); // may put acme.payments / RefundRequested only
   */
  public grantStartRuns(grantee: iam.IGrantable): iam.Grant {
    return grantPutEventsMatching(this.eventBus, grantee, {
      sources: [this.spec.trigger.source],
      detailTypes: [this.spec.trigger.detailType],
    });
  }

  /**
   * Lets `grantee` call the approvals endpoint: `lambda:InvokeFunctionUrl`
   * (for `AWS_IAM` function URLs) and `lambda:InvokeFunction` only when
   * invoked through the URL (`lambda:InvokedViaFunctionUrl`), on the
   * decide-approval function, nothing else. No grant lets anyone invoke the
   * function directly, where a caller could hand it a made-up identity.
   *
   * The grant lets a caller reach the endpoint; whether they may decide is
   * the endpoint's call: their session must be of {@link approverRole} or of
   * a role in `trustedApproverRoleArns`, and its name a person the workflow's
   * approver directory lists with the approval's role, not named in the case.
   *
   * @example
   * refunds.grantDecide(identityCenterApproversRole);
   */
  public grantDecide(grantee: iam.IGrantable): iam.Grant {
    return this.approvalsUrl.grantInvokeUrl(grantee);
  }

  /**
   * Lets `grantee` call the operations endpoint (`awf workflows pause |
   * resume | status`): `lambda:InvokeFunctionUrl` (auth type `AWS_IAM`) and
   * `lambda:InvokeFunction` only via the URL, on the switch function, nothing
   * else. The switch function is the only writer of the switch item (no step
   * role may write it; Admit, Gate and Act only read it) and records every
   * change in the lineage with the operator's authenticated identity.
   *
   * The grant lets a caller reach the endpoint; whether they may operate is
   * the endpoint's call: their session must be of {@link operatorRole} or of
   * a role in `trustedOperatorRoleArns`. It grants the same on the
   * follow-ups endpoint ({@link followUpsUrl}), to ask for a follow-up's
   * cancellation: that opens an approval of the workflow's approvers and
   * cancels nothing by itself. No grant lets anyone invoke the follow-up
   * function directly but its schedules' role.
   *
   * @example
   * refunds.grantOperate(identityCenterOperatorsRole);
   */
  public grantOperate(grantee: iam.IGrantable): iam.Grant {
    // Asking to cancel a follow-up (`awf runs cancel-follow-up`) opens an approval, nothing more.
    return this.operationsUrl.grantInvokeUrl(grantee).combine(this.followUpsUrl.grantInvokeUrl(grantee));
  }

  /**
   * Lets `grantee` read the lineage, as the data stack's auditor role does:
   * `GetItem`, `BatchGetItem`, `Query`, `Scan` and `DescribeTable` on the
   * lineage table and each of its indexes, `kms:Decrypt` /
   * `kms:DescribeKey` on the key through DynamoDB only, and `kms:VerifyMac`
   * on every record key. Never a write, never a MAC.
   *
   * The lineage table is shared by the workflows of a data stack and keyed by
   * run, so the grant reads every workflow's records, not only this one's.
   *
   * @example
   * refunds.grantReadLineage(complianceReportFunction);
   */
  public grantReadLineage(grantee: iam.IGrantable): iam.Grant {
    return grantLineageAudit(this.lineageTable, this.key, grantee).combine(
      grantRecordKeysVerify(Object.values(this.recordKeys), grantee),
    );
  }

  /**
   * `states:DescribeExecution` on this workflow's executions, whose names
   * EventBridge generates: the one wildcard is the execution name, under
   * this state machine only.
   */
  private grantDescribeExecutions(role: iam.Role): void {
    const executions = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.stateMachine.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }),
    );
    // The execution's input is encrypted with the CMK (see buildStateMachine): decrypt it, for this state machine only.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: {
          StringEquals: {
            'kms:EncryptionContext:aws:states:stateMachineArn': this.stateMachine.stateMachineArn,
          },
        },
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${flattenForNag(this, executions)}]`,
      reason:
        "Executions are named by EventBridge when it starts them; the wildcard is the execution name under this workflow's state machine, and the action only reads how one stands.",
    });
  }

  /** The record key of a writer step. @throws InfrastructurePropsError when recordKeys lacks it. */
  private recordKeyOf(step: StepName): kms.IKey {
    const key = this.recordKeys[step];
    if (key === undefined) {
      throw new InfrastructurePropsError(
        `recordKeys must hold a key for the ${step} step, got keys for ${Object.keys(this.recordKeys).join(', ') || 'no step'}`,
        this,
      );
    }
    return key;
  }

  /** `AWF_RECORD_KEYS` of a step: its own record key, and those of the writers it verifies, by step. */
  private recordKeyIdsOf(step: StepName): string {
    const need = declaredPorts(step).recordKeys;
    const steps = [...new Set([...(need === undefined ? [] : [step]), ...recordKeysVerified(need)])];
    return Stack.of(this).toJsonString(
      Object.fromEntries(steps.map((writer) => [writer, this.recordKeyOf(writer).keyArn])),
    );
  }

  /** Where the step Lambdas are bundled: the given lock file's folder, else the app awf is installed in. */
  private bundlingRoot(props: GovernedWorkflowProps): BundlingRoot {
    if (props.depsLockFilePath !== undefined) return bundlingRootOf(props.depsLockFilePath);
    const found = findBundlingRoot();
    if (found === undefined) {
      throw new InfrastructurePropsError(
        `depsLockFilePath must be given when no lock file (${LOCK_FILE_NAMES.join(', ')}) is found at or above ${AWF_PACKAGE_ROOT}, got none`,
        this,
      );
    }
    return found;
  }

  /** Grants a step's role exactly the ports its definition declares. */
  private grantPorts(props: GovernedWorkflowProps, step: StepName, needs: PortNeeds, role: iam.Role): void {
    const { spec } = this;
    const stack = Stack.of(this);
    if (needs.lineage === 'append') grantLineageAppend(props.lineageTable, props.key, role);
    if (needs.runs === 'read') grantRunsRead(props.runsTable, props.key, role);
    else if (needs.runs !== undefined)
      grantRunsReadWrite(props.runsTable, props.key, role, needs.runs.writes, { workflowId: spec.id });
    if (needs.events === 'workflow') grantPutWorkflowEvents(props.eventBus, role, { workflowId: spec.id });
    if (needs.events === 'connectors') this.grantConnectorEvents(spec, props.eventBus, role);
    if (needs.items === 'connectors') this.grantConnectorItems(spec, role);
    // The follow-up step reaches only the connectors of the actions follow-ups run (`reduces`).
    if (needs.events === 'follow-ups') this.grantConnectorEvents(spec, props.eventBus, role, reducing);
    if (needs.items === 'follow-ups') this.grantConnectorItems(spec, role, reducing);
    if (needs.facts === 'read') this.grantFactReads(spec, role);
    if (needs.model === 'invoke') {
      grantModelInvoke(role, this.modelIds, {
        construct: this,
        partition: stack.partition,
        region: stack.region,
        account: stack.account,
        destinationRegions: props.modelDestinationRegions,
      });
    }
    // Success and failure only: no step heartbeats an approval wait (it ends at its own TimeoutSeconds).
    if (needs.executions === 'describe') this.grantDescribeExecutions(role);
    if (needs.callbacks === 'answer') {
      this.stateMachine.grant(role, 'states:SendTaskSuccess', 'states:SendTaskFailure');
    }
    if (needs.keys === 'mac') grantHistoryKeyMac(props.historyKey, role);
    if (needs.scheduler === 'create') this.followUps.grantCreate(role);
    if (needs.scheduler === 'delete') this.followUps.grantDelete(role);
    if (needs.tokens === 'seal') grantTaskTokenSeal(props.tokenKey, role);
    if (needs.tokens === 'open') grantTaskTokenOpen(props.tokenKey, role);
    if (needs.recordKeys !== undefined) {
      grantRecordKeySign(this.recordKeyOf(step), role);
      const verified = recordKeysVerified(needs.recordKeys);
      if (verified.length > 0)
        grantRecordKeysVerify(
          verified.map((writer) => this.recordKeyOf(writer)),
          role,
        );
    }
  }

  /**
   * Act (and the follow-up step, for the follow-ups' connectors) reaches its workflow's connectors and nothing else: PutEvents only with
   * the workflow's source and its connectors' detail-types, UpdateItem only on
   * the named connector tables.
   */
  private grantConnectorEvents(
    spec: WorkflowSpec,
    bus: events.IEventBus,
    role: iam.IRole,
    include: (action: ActionSpec) => boolean = () => true,
  ): void {
    const connectors = Object.values(spec.actions)
      .filter(include)
      .map((action) => action.connector);
    const detailTypes = connectors.flatMap((c) => (c.type === 'eventbridge' ? [c.detailType] : []));
    if (detailTypes.length > 0) grantPutWorkflowEvents(bus, role, { workflowId: spec.id, detailTypes });
  }

  /** See {@link grantConnectorEvents}. */
  private grantConnectorItems(
    spec: WorkflowSpec,
    role: iam.IRole,
    include: (action: ActionSpec) => boolean = () => true,
  ): void {
    const connectors = Object.values(spec.actions)
      .filter(include)
      .map((action) => action.connector);
    const tableNames = [...new Set(connectors.flatMap((c) => (c.type === 'dynamodb' ? [c.tableName] : [])))];
    for (const tableName of tableNames.sort()) {
      // Act and the follow-up step both reach the connectors: one reference per table serves both.
      const id = `ConnectorTable-${tableName}`;
      const table =
        (this.node.tryFindChild(id) as dynamodb.ITable | undefined) ??
        dynamodb.Table.fromTableName(this, id, tableName);
      iam.Grant.addToPrincipal({
        grantee: role,
        actions: ['dynamodb:UpdateItem'],
        resourceArns: [table.tableArn],
      });
    }
  }

  /**
   * The grounding reads: `dynamodb:GetItem`, and no other action, on exactly
   * the tables the spec's facts name (a name is the table of this stack's
   * account and region; an ARN is taken as given). Nothing else of those
   * tables (indexes, streams, writes) and no key: a table encrypted with a
   * customer-managed key also needs `kms:Decrypt` on that key, which the
   * customer grants to this role (see docs/WORKFLOWS.md).
   */
  private grantFactReads(spec: WorkflowSpec, role: iam.IRole): void {
    const stack = Stack.of(this);
    const tables = [...new Set(Object.values(spec.grounding.facts).map((fact) => fact.source.table))].sort();
    if (tables.length === 0) return;
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: ['dynamodb:GetItem'],
      resourceArns: tables.map((table) =>
        table.startsWith('arn:')
          ? table
          : stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: table }),
      ),
    });
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
          ExecutionTimeoutSeconds: this.timeouts.executionTimeoutSeconds,
        },
        strings: {
          Partition: Stack.of(this).partition,
          ...Object.fromEntries(invoked.map(({ placeholder, fn }) => [placeholder, fn.functionArn])),
        },
      },
      this,
    );

    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', {
      // Under /aws/vendedlogs/states/, Step Functions' log delivery needs no entry in the
      // account-wide CloudWatch Logs resource policy (5,120 characters, shared by every service).
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-${this.spec.id}`,
      retention: logRetention,
      encryptionKey: props.key,
    });
    const stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(definition),
      definitionSubstitutions,
      tracingEnabled: true,
      // Execution data (the business event: emails, phone numbers) is encrypted with the CMK, so
      // GetExecutionHistory and DescribeExecution show it only to principals with kms:Decrypt on it.
      encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(props.key, Duration.minutes(5)),
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

/** Whether an action is a reducing action: one that runs only as another's follow-up. */
function reducing(action: ActionSpec): boolean {
  return action.reduces !== undefined;
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

/**
 * The bus policy statement that denies `events:PutEvents` of the trigger's
 * events to all but the trigger's senders. Entries are multivalued
 * (`ForAnyValue`): a call is refused when some entry carries the trigger's
 * source and some entry its detail-type, so a trigger event cannot hide in a
 * batch. It lives in this workflow's stack, beside what it protects.
 */
function restrictTriggerSenders(
  workflow: GovernedWorkflow,
  spec: WorkflowSpec,
  props: GovernedWorkflowProps,
): void {
  const stack = Stack.of(workflow);
  const senders = props.triggerSenders === undefined ? undefined : senderArns(workflow, props.triggerSenders);
  new events.CfnEventBusPolicy(workflow, 'TriggerSendersPolicy', {
    eventBusName: props.eventBus.eventBusName,
    statementId: `awf-${spec.id}-trigger-senders`.slice(0, 64),
    statement: {
      Effect: 'Deny',
      Principal: '*',
      Action: 'events:PutEvents',
      Resource: props.eventBus.eventBusArn,
      Condition: {
        'ForAnyValue:StringEquals': {
          'events:source': [spec.trigger.source],
          'events:detail-type': [spec.trigger.detailType],
        },
        ...(senders === undefined
          ? { StringNotEquals: { 'aws:PrincipalAccount': stack.account } }
          : { ArnNotLike: { 'aws:PrincipalArn': senders } }),
      },
    },
  });
}

/** The IAM ARNs of the trigger's senders. @throws InfrastructurePropsError on an empty list or a principal without one */
function senderArns(workflow: GovernedWorkflow, principals: readonly iam.IPrincipal[]): string[] {
  if (principals.length === 0) {
    throw new InfrastructurePropsError(
      'triggerSenders must list at least one principal when given, got [] (omit it for the account default)',
      workflow,
    );
  }
  return principals.flatMap((principal) => {
    const json = principal.policyFragment.principalJson;
    const arns = json.AWS ?? [];
    if (arns.length === 0 || Object.keys(json).some((kind) => kind !== 'AWS')) {
      throw new InfrastructurePropsError(
        `triggerSenders must be IAM roles, users or ARN principals, got ${JSON.stringify(Stack.of(workflow).resolve(json))}`,
        workflow,
      );
    }
    return arns;
  });
}

function validateProps(workflow: GovernedWorkflow, props: GovernedWorkflowProps): ParsedPolicySet {
  const { spec } = props.pack;
  const concurrency = props.modelConcurrency;
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    throw new InfrastructurePropsError(
      `modelConcurrency must be a whole number of concurrent Plan invocations, at least 1, got ${concurrency}`,
      workflow,
    );
  }
  const folder = basename(props.packDir);
  if (folder !== spec.id) {
    throw new InfrastructurePropsError(
      `packDir must be the folder of workflow "${spec.id}" (named after its id), got a folder named "${folder}"`,
      workflow,
    );
  }
  if (props.depsLockFilePath !== undefined && !existsSync(props.depsLockFilePath)) {
    throw new InfrastructurePropsError(
      `depsLockFilePath must be an existing lock file, got ${props.depsLockFilePath}`,
      workflow,
    );
  }
  for (const [name, table] of [
    ['runsTable', props.runsTable],
    ['lineageTable', props.lineageTable],
  ] as const) {
    if (table.encryptionKey !== undefined && table.encryptionKey !== props.key) {
      throw new InfrastructurePropsError(
        `${name} must be encrypted with the key given as props.key, got a table encrypted with ${table.encryptionKey.node.path}`,
        workflow,
      );
    }
  }
  validateHistoryKey(workflow, props);
  validateRecordKeys(workflow, props);
  validateTokenKey(workflow, props);
  if (props.pack.prompt.trim() === '') {
    throw new WorkflowSpecError(spec.id, [
      `agent.prompt: expected a non-empty prompt in ${spec.agent.prompt}, got ""`,
    ]);
  }
  return validateEmbeddedPolicies(props);
}

/**
 * Strictly validates the policy file the step bundles embed, so a bad policy
 * fails synth, and returns its parse for the step entries to embed. Gate and
 * Act neither validate nor parse their policies with Cedar at cold start
 * (`createPolicyGate`, `embeddedPolicySet`): this check and this parse,
 * pinned to the deployed file by the asset hash, are what let them skip both.
 * The file in `packDir` is what the bundles import, so it is the one
 * validated and parsed, whatever `props.pack.policies` holds (the step entry
 * reports a missing file).
 */
function validateEmbeddedPolicies(props: GovernedWorkflowProps): ParsedPolicySet {
  const file = join(props.packDir, props.pack.spec.policies);
  const embedded = existsSync(file) ? readFileSync(file, 'utf8') : props.pack.policies;
  // Parsed afresh from the file: whatever parse the pack object carries is not what is bundled.
  const { parsedPolicies: _carried, ...pack } = props.pack;
  return validatePolicies({ ...pack, policies: embedded }).policySet;
}

/** The history key must be an HMAC key of its own; checked where the key is defined in this app. */
function validateHistoryKey(workflow: GovernedWorkflow, props: GovernedWorkflowProps): void {
  if (props.historyKey === props.key) {
    throw new InfrastructurePropsError(
      `historyKey must be an HMAC key of its own, got props.key (${props.key.node.path})`,
      workflow,
    );
  }
  const cfnKey = props.historyKey.node.defaultChild;
  if (!(cfnKey instanceof kms.CfnKey)) return;
  const stack = Stack.of(cfnKey);
  const keySpec: unknown = stack.resolve(cfnKey.keySpec);
  const keyUsage: unknown = stack.resolve(cfnKey.keyUsage);
  if (keySpec !== kms.KeySpec.HMAC_256 || keyUsage !== kms.KeyUsage.GENERATE_VERIFY_MAC) {
    throw new InfrastructurePropsError(
      `historyKey must have keySpec HMAC_256 and keyUsage GENERATE_VERIFY_MAC, got ${String(keySpec ?? 'SYMMETRIC_DEFAULT')} / ${String(keyUsage ?? 'ENCRYPT_DECRYPT')} (${props.historyKey.node.path})`,
      workflow,
    );
  }
}

/** A record key per writer of the lineage registry, each its own HMAC key. */
function validateRecordKeys(workflow: GovernedWorkflow, props: GovernedWorkflowProps): void {
  const missing = RECORD_WRITERS.filter((step) => props.recordKeys[step] === undefined);
  if (missing.length > 0) {
    throw new InfrastructurePropsError(
      `recordKeys must hold a key for every lineage writer (${RECORD_WRITERS.join(', ')}), got none for ${missing.join(', ')}`,
      workflow,
    );
  }
  const keys = Object.entries(props.recordKeys).filter(([, key]) => key !== undefined) as [
    string,
    kms.IKey,
  ][];
  for (const [step, key] of keys) {
    const shared = keys.find(([other, otherKey]) => other !== step && otherKey === key);
    if (key === props.key || key === props.historyKey || shared !== undefined) {
      throw new InfrastructurePropsError(
        `recordKeys.${step} must be an HMAC key of its own, got a key also used as ${shared ? `recordKeys.${shared[0]}` : key === props.key ? 'props.key' : 'props.historyKey'} (${key.node.path})`,
        workflow,
      );
    }
  }
}

/** The task token key must be a symmetric encryption key of its own; checked where the key is defined in this app. */
function validateTokenKey(workflow: GovernedWorkflow, props: GovernedWorkflowProps): void {
  const shared: [string, kms.IKey][] = [
    ['props.key', props.key],
    ['props.historyKey', props.historyKey],
    ...Object.entries(props.recordKeys)
      .map(([step, key]): [string, kms.IKey | undefined] => [`recordKeys.${step}`, key])
      .filter((entry): entry is [string, kms.IKey] => entry[1] !== undefined),
  ];
  const same = shared.find(([, key]) => key === props.tokenKey);
  if (same !== undefined) {
    throw new InfrastructurePropsError(
      `tokenKey must be a key of its own, got the key also used as ${same[0]} (${props.tokenKey.node.path})`,
      workflow,
    );
  }
  const cfnKey = props.tokenKey.node.defaultChild;
  if (!(cfnKey instanceof kms.CfnKey)) return;
  const stack = Stack.of(cfnKey);
  const keySpec: unknown = stack.resolve(cfnKey.keySpec) ?? kms.KeySpec.SYMMETRIC_DEFAULT;
  const keyUsage: unknown = stack.resolve(cfnKey.keyUsage) ?? kms.KeyUsage.ENCRYPT_DECRYPT;
  if (keySpec !== kms.KeySpec.SYMMETRIC_DEFAULT || keyUsage !== kms.KeyUsage.ENCRYPT_DECRYPT) {
    throw new InfrastructurePropsError(
      `tokenKey must have keySpec SYMMETRIC_DEFAULT and keyUsage ENCRYPT_DECRYPT, got ${String(keySpec)} / ${String(keyUsage)} (${props.tokenKey.node.path})`,
      workflow,
    );
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
    if (step !== 'remind' && step !== 'reconcile' && step !== 'follow-up') {
      Validations.of(fn).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason:
          'Invoked synchronously (by the state machine, an approver through the approvals endpoint, or an operator), never asynchronously: the caller sees every failure and Step Functions Retry/Catch route it to escalation.',
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
