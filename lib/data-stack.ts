/**
 * The stateful stack: what must outlive any deployment of the workflows.
 */
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { RECORD_WRITERS } from '../core/lineage/record-keys.js';
import { STACK_OUTPUTS } from '../core/stack-outputs.js';
import { LINEAGE_TABLE_LAYOUT, RUNS_TABLE_LAYOUT } from '../core/storage/table-layout.js';
import { InfrastructurePropsError } from './errors.js';
import { grantLineageAudit, LINEAGE_MUTATING_ACTIONS } from './grants/dynamodb.js';
import { grantRecordKeysVerify, type RecordKeysByWriter } from './grants/keys.js';
import { limitGrantsToAwsServices } from './key-policies.js';
import { type CheckpointLock, LineageAnchoring } from './lineage-anchoring.js';
import { LineageTamperAlarm } from './lineage-tamper-alarm.js';
import { flattenForNag } from './nag-ids.js';
import {
  AWF_PACKAGE_ROOT,
  type BundlingRoot,
  bundlingRootOf,
  findBundlingRoot,
  LOCK_FILE_NAMES,
} from './project-paths.js';
import { deadLetterRetention } from './retention.js';
import { pascalCase } from './steps.js';

/** Props of {@link AwfDataStack}. */
export interface AwfDataStackProps extends StackProps {
  /**
   * How long the bus archive keeps events for replay. Events carry personal
   * data, so keep this no longer than recovery needs, and never longer than
   * `dataRetentionDays`.
   * @default - 30 days, or `dataRetentionDays` when shorter
   */
  readonly eventArchiveRetention?: Duration;
  /**
   * How long the deployment may keep a business event: the shortest
   * `data.retentionDays` of the deployed workflows (`addAwfStacks` passes it).
   * The event archive and the dead-letter queue keep events no longer than
   * this.
   * @default - no cap beyond the archive's 30 days and SQS's 14
   */
  readonly dataRetentionDays?: number;
  /**
   * How the checkpoint bucket locks each checkpoint. Keep the default in
   * production; governance mode and a short retention let a test stack be
   * torn down.
   * @default - compliance mode, 365 days
   */
  readonly checkpointLock?: CheckpointLock;
  /**
   * How often the lineage is checkpointed (see `LineageAnchoringProps.interval`).
   * @default Duration.minutes(5)
   */
  readonly checkpointInterval?: Duration;
  /**
   * The retention checkpoints state: the shortest `data.retentionDays` of the
   * deployed workflows (`addAwfStacks` passes it). Each lineage record's TTL
   * is its own workflow's retention plus a margin (`lineageExpiryOf`), never
   * shorter than this, so a record expires only after the rule of
   * `core/lineage/retention.ts` allows it.
   * @default - checkpoints state no retention: any missing record is reported deleted
   */
  readonly lineageRetentionDays?: number;
  /**
   * Where every alarm of the deployment notifies (the lineage tamper alarm
   * here, each workflow's through `AwfWorkflowsStack`).
   * @default - a topic of this stack, encrypted with the data key
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Who hears the alarms: subscriptions added to the alarm topic (email, chat
   * through AWS Chatbot's HTTPS endpoint, a Lambda).
   * @default - none; subscribe later in the console or another stack
   */
  readonly alarmSubscriptions?: readonly sns.ITopicSubscription[];
  /**
   * The lock file of the app the platform Lambdas (checkpointer, tamper
   * function) are bundled in; awf's `lambdas/` must be under its folder.
   * @default - the nearest lock file at or above the awf package
   */
  readonly depsLockFilePath?: string;
}

/**
 * The customer-managed key, the history key (HMAC), a lineage record key
 * (HMAC) per writing step, the task token key, the platform event bus (with an archive), the runs
 * table (state), the lineage table (evidence, with TTL by retention and a
 * resource policy that denies every change), its anchoring (signed
 * checkpoints in an Object Lock bucket, `LineageAnchoring`), its tamper
 * alarm (`LineageTamperAlarm`) and the auditor role.
 *
 * Termination protection is always on, and the tables and key are retained
 * when the stack is deleted: losing evidence must take a deliberate act.
 *
 * @example
 * const data = new AwfDataStack(app, 'AwfData', { env });
 * new GovernedWorkflow(stack, 'RefundTriage', {
 *   ..., lineageTable: data.lineageTable, key: data.key, historyKey: data.historyKey,
 *   recordKeys: data.recordKeys, tokenKey: data.tokenKey,
 * });
 */
export class AwfDataStack extends Stack {
  /** Encrypts both tables, the event archive, the workflows' log groups and dead-letter queues; rotated yearly. */
  public readonly key: kms.Key;
  /**
   * The HMAC key (`HMAC_256`, `GENERATE_VERIFY_MAC`) under which steps hash
   * history keys (customer ids, emails) before storing them. Retained: a new
   * key would make every stored hash unmatchable. HMAC keys do not rotate.
   */
  public readonly historyKey: kms.Key;
  /**
   * The lineage record keys: one HMAC key (`HMAC_256`, `GENERATE_VERIFY_MAC`)
   * per step the lineage registry names as a writer (`AwfData/RecordKey<Step>`).
   * Each record carries a MAC of its hash under its writer's key; only that
   * step's role may `GenerateMac` with it. Retained: without a key, the MACs
   * of its records could no longer be checked.
   */
  public readonly recordKeys: RecordKeysByWriter<kms.Key>;
  /**
   * The task token key (symmetric, `ENCRYPT_DECRYPT`, rotated yearly) under
   * which approval task tokens are stored sealed, the approval id as
   * encryption context: the request step's role may only `kms:Encrypt` with
   * it, the decide step's only `kms:Decrypt`. Retained: without it, the runs
   * waiting on an approval could no longer resume.
   */
  public readonly tokenKey: kms.Key;
  /** The platform bus: business events in, workflow and action events out. */
  public readonly eventBus: events.EventBus;
  /** The archive of every event on the bus, for replay: encrypted with {@link key}, kept no longer than the data retention. */
  public readonly eventArchive: events.Archive;
  /** Runs, approvals, idempotency records, autonomy levels, counters (TTL on `expiresAt`). */
  public readonly runsTable: dynamodb.Table;
  /** Append-only, hash-chained lineage records; stream for tamper alarms. */
  public readonly lineageTable: dynamodb.Table;
  /** Read-only access to the lineage table and its indexes, for auditors. */
  public readonly auditorRole: iam.Role;
  /** Where the data stack's functions' failed invocations and stream batches go. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The checkpoint signing key, the Object Lock bucket and the checkpointer. */
  public readonly anchoring: LineageAnchoring;
  /** The lineage tamper function, its stream mapping and its alarm. */
  public readonly tamper: LineageTamperAlarm;
  /** Where every alarm of the deployment notifies (docs/OPERATIONS.md). */
  public readonly alarmTopic: sns.ITopic;

  constructor(scope: Construct, id: string, props: AwfDataStackProps = {}) {
    // Always on, whatever the props say: deleting this stack must be a deliberate, two-step act.
    super(scope, id, { ...props, terminationProtection: true });
    const archiveRetention = this.archiveRetention(props);

    this.key = new kms.Key(this, 'DataKey', {
      description:
        'awf: encrypts the runs and lineage tables, the event archive, workflow logs and dead-letter queues',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.allowServiceUseOfKey();
    // Only the default statement (the account, so IAM policies decide): no
    // service uses this key, and each step role that hashes holds
    // `kms:GenerateMac` on it alone (`GovernedWorkflow`).
    this.historyKey = new kms.Key(this, 'HistoryKey', {
      description: 'awf: HMAC key of the history keys (customer ids, emails) stored as keyed hashes',
      keySpec: kms.KeySpec.HMAC_256,
      keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Like the history key: the account statement only; each role's use is an identity grant.
    this.recordKeys = Object.fromEntries(
      RECORD_WRITERS.map((step) => [
        step,
        new kms.Key(this, `RecordKey${pascalCase(step)}`, {
          description: `awf: MACs of the lineage records the ${step} step writes`,
          keySpec: kms.KeySpec.HMAC_256,
          keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
          removalPolicy: RemovalPolicy.RETAIN,
        }),
      ]),
    );

    // Like the history key: the account statement only; the two steps' uses are identity grants.
    this.tokenKey = new kms.Key(this, 'TaskTokenKey', {
      description: 'awf: seals the Step Functions task tokens of pending approvals in the runs table',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.eventBus = new events.EventBus(this, 'EventBus', {
      description: 'awf platform bus: business events start runs; workflows and actions emit theirs here',
    });
    // Built directly, not with eventBus.archive(): that helper drops kmsKey (aws-cdk#38298). Same
    // scope and id as the helper used, so the archive keeps its logical id. With the key given, the
    // archive construct adds the key policy statements EventBridge needs (bound to this bus's ARN),
    // and no empty `KmsKeyIdentifier: ""` is synthesized (aws-cdk#37847).
    this.eventArchive = new events.Archive(this.eventBus, 'EventArchive', {
      sourceEventBus: this.eventBus,
      description: 'Every event on the awf bus, for replay after an incident',
      eventPattern: { account: [this.account] },
      retention: archiveRetention,
      kmsKey: this.key,
    });

    this.runsTable = new dynamodb.Table(this, 'RunsTable', {
      partitionKey: { name: RUNS_TABLE_LAYOUT.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: RUNS_TABLE_LAYOUT.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: RUNS_TABLE_LAYOUT.timeToLiveAttribute,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const byWorkflow = RUNS_TABLE_LAYOUT.indexes.byWorkflow;
    this.runsTable.addGlobalSecondaryIndex({
      indexName: byWorkflow.indexName,
      partitionKey: { name: byWorkflow.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: byWorkflow.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    this.lineageTable = new dynamodb.Table(this, 'LineageTable', {
      timeToLiveAttribute: LINEAGE_TABLE_LAYOUT.timeToLiveAttribute,
      resourcePolicy: lineageResourcePolicy(),
      partitionKey: { name: LINEAGE_TABLE_LAYOUT.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: LINEAGE_TABLE_LAYOUT.sortKey, type: dynamodb.AttributeType.NUMBER },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // The stream feeds tamper alarms: an update or delete shows its old image.
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of Object.values(LINEAGE_TABLE_LAYOUT.indexes)) {
      this.lineageTable.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        // Sparse indexes and projections: a record costs at most three writes (table-layout.ts).
        projectionType:
          index.projection === 'ALL' ? dynamodb.ProjectionType.ALL : dynamodb.ProjectionType.KEYS_ONLY,
      });
    }

    this.auditorRole = new iam.Role(this, 'AuditorRole', {
      assumedBy: new iam.AccountRootPrincipal(),
      description:
        "awf auditors: read the lineage table and its indexes, verify its records' MACs, nothing else",
      maxSessionDuration: Duration.hours(4),
    });
    this.grantReadLineage(this.auditorRole);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      // SQS-managed keys: what lands here is a scheduler event or a stream batch's shard and sequence
      // numbers, never a record; and no sender then needs the wildcard KMS actions a CMK queue grants.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: deadLetterRetention(props.dataRetentionDays),
    });
    this.alarmTopic = props.alarmTopic ?? this.createAlarmTopic();
    for (const subscription of props.alarmSubscriptions ?? []) this.alarmTopic.addSubscription(subscription);
    const bundlingRoot = this.bundlingRoot(props);
    this.anchoring = new LineageAnchoring(this, 'LineageAnchoring', {
      lineageTable: this.lineageTable,
      dataKey: this.key,
      recordKeys: this.recordKeys,
      deadLetterQueue: this.deadLetterQueue,
      bundlingRoot,
      lock: props.checkpointLock,
      interval: props.checkpointInterval,
      retentionDays: props.lineageRetentionDays,
    });
    this.anchoring.grantReadCheckpoints(this.auditorRole);
    Validations.of(this.auditorRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${flattenForNag(this, this.anchoring.bucket.arnForObjects('checkpoints/*'))}]`,
      reason:
        'Auditors read every checkpoint, one object per sequence number under checkpoints/ of the checkpoint bucket; they may not put, delete or read anything else there.',
    });
    this.tamper = new LineageTamperAlarm(this, 'LineageTamper', {
      lineageTable: this.lineageTable,
      eventBus: this.eventBus,
      logKey: this.key,
      deadLetterQueue: this.deadLetterQueue,
      bundlingRoot,
      alarmTopic: this.alarmTopic,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        'This queue is itself the dead-letter queue of the checkpointer, its schedule and the tamper stream mapping; a queue behind it would only move the problem.',
    });

    // Every key of this stack, the ones constructs below create included (CT.KMS.PR.3).
    for (const key of this.node.findAll().filter((c): c is kms.Key => c instanceof kms.Key)) {
      limitGrantsToAwsServices(key);
    }

    new CfnOutput(this, STACK_OUTPUTS.runsTableName, { value: this.runsTable.tableName });
    new CfnOutput(this, STACK_OUTPUTS.lineageTableName, { value: this.lineageTable.tableName });
    new CfnOutput(this, STACK_OUTPUTS.eventBusName, { value: this.eventBus.eventBusName });
    new CfnOutput(this, 'AuditorRoleArn', { value: this.auditorRole.roleArn });
    new CfnOutput(this, STACK_OUTPUTS.checkpointBucketName, {
      description: 'the Object Lock bucket of the signed lineage checkpoints (checkpoints/<sequence>.json)',
      value: this.anchoring.bucket.bucketName,
    });
    new CfnOutput(this, STACK_OUTPUTS.checkpointKeyArn, {
      description:
        'the KMS key that signs checkpoints (ECDSA P-256): aws kms get-public-key --key-id <arn> gives auditors the public key (DER, base64)',
      value: this.anchoring.signingKey.keyArn,
    });
    new CfnOutput(this, STACK_OUTPUTS.recordKeys, {
      description: 'writer step -> ARN of its lineage record key (kms:VerifyMac checks a record)',
      value: this.toJsonString(
        Object.fromEntries(Object.entries(this.recordKeys).map(([step, key]) => [step, key.keyArn])),
      ),
    });
  }

  /**
   * Lets `grantee` read the lineage and nothing else: `GetItem`,
   * `BatchGetItem`, `Query`, `Scan` and `DescribeTable` on the lineage table
   * and each of its indexes (named, not `index/*`), `kms:Decrypt` /
   * `kms:DescribeKey` on the key through DynamoDB only, and `kms:VerifyMac` on
   * every record key (to check who wrote each record). What the auditor role
   * holds.
   *
   * @example
   * data.grantReadLineage(complianceReportFunction);
   */
  public grantReadLineage(grantee: iam.IGrantable): iam.Grant {
    return grantLineageAudit(this.lineageTable, this.key, grantee).combine(
      grantRecordKeysVerify(Object.values(this.recordKeys), grantee),
    );
  }

  /**
   * The deployment's alarm topic, encrypted with the data key. CloudWatch
   * publishes alarms to it, so the key lets CloudWatch use it for this
   * account's alarms only.
   */
  private createAlarmTopic(): sns.Topic {
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'awf alarms',
      masterKey: this.key,
      enforceSSL: true,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheAlarmTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    return topic;
  }

  /** The archive's retention: at least a day, at most the data retention. */
  private archiveRetention(props: AwfDataStackProps): Duration {
    const cap = props.dataRetentionDays;
    if (cap !== undefined && (!Number.isInteger(cap) || cap < 1)) {
      throw new InfrastructurePropsError(
        `dataRetentionDays must be a whole number of days, at least 1, got ${cap}`,
        this,
      );
    }
    const retention = props.eventArchiveRetention ?? Duration.days(Math.min(30, cap ?? 30));
    if (retention.isUnresolved()) return retention;
    const days = retention.toDays({ integral: false });
    if (days < 1 || !Number.isInteger(days)) {
      // The archive stores whole days; 0 would mean "keep forever".
      throw new InfrastructurePropsError(
        `eventArchiveRetention must be a whole number of days, at least 1, got ${retention.toHumanString()}`,
        this,
      );
    }
    if (cap !== undefined && days > cap) {
      throw new InfrastructurePropsError(
        `eventArchiveRetention must be at most dataRetentionDays (${cap} days), got ${retention.toHumanString()}`,
        this,
      );
    }
    return retention;
  }

  private bundlingRoot(props: AwfDataStackProps): BundlingRoot {
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

  /**
   * The services that write with the key on the workflows' behalf get key
   * policy statements limited to this account's resources: CloudWatch Logs for
   * the log groups, EventBridge for the rules' dead-letter queues.
   */
  private allowServiceUseOfKey(): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsForThisAccountsLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${this.region}.${this.urlSuffix}`)],
        actions: [
          'kms:Decrypt',
          'kms:DescribeKey',
          'kms:Encrypt',
          'kms:GenerateDataKey',
          'kms:GenerateDataKeyWithoutPlaintext',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
        ],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${this.region}:${this.account}:log-group:*`,
          },
        },
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeDeadLetterDeliveryForThisAccountsRules',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:events:${this.region}:${this.account}:rule/*` },
        },
      }),
    );
  }
}

/**
 * The lineage table's resource policy: every principal, this account's
 * administrators included, is denied every way to change or delete a stored
 * record ({@link LINEAGE_MUTATING_ACTIONS}). TTL deletions are DynamoDB's own
 * and not subject to it. Break glass (docs/AUDIT.md) means removing this
 * statement with `dynamodb:PutResourcePolicy`, which CloudTrail records and
 * the next deployment undoes.
 */
function lineageResourcePolicy(): iam.PolicyDocument {
  return new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: 'LineageRecordsAreNeverChanged',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...LINEAGE_MUTATING_ACTIONS],
        // `*` is this table: a resource policy cannot name the table's own ARN without a fixed name.
        resources: ['*'],
      }),
    ],
  });
}
