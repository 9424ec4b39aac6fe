/**
 * The stateful stack: what must outlive any deployment of the workflows.
 */
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { RECORD_WRITERS } from '../core/lineage/record-keys.js';
import { STACK_OUTPUTS } from '../core/stack-outputs.js';
import { LINEAGE_TABLE_LAYOUT, RUNS_TABLE_LAYOUT } from '../core/storage/table-layout.js';
import { InfrastructurePropsError } from './errors.js';
import { grantLineageAudit } from './grants/dynamodb.js';
import { grantRecordKeysVerify, type RecordKeysByWriter } from './grants/keys.js';
import { pascalCase } from './steps.js';

/** Props of {@link AwfDataStack}. */
export interface AwfDataStackProps extends StackProps {
  /**
   * How long the bus archive keeps events for replay. Events carry personal
   * data, so keep this no longer than recovery needs.
   * @default Duration.days(30)
   */
  readonly eventArchiveRetention?: Duration;
}

/**
 * The customer-managed key, the history key (HMAC), a lineage record key
 * (HMAC) per writing step, the task token key, the platform event bus (with an archive), the runs
 * table (state), the lineage table (evidence) and the auditor role.
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
  /** Encrypts both tables, the workflows' log groups and dead-letter queues; rotated yearly. */
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
  /** The archive of every event on the bus, for replay. */
  public readonly eventArchive: events.Archive;
  /** Runs, approvals, idempotency records, autonomy levels, counters (TTL on `expiresAt`). */
  public readonly runsTable: dynamodb.Table;
  /** Append-only, hash-chained lineage records; stream for tamper alarms. */
  public readonly lineageTable: dynamodb.Table;
  /** Read-only access to the lineage table and its indexes, for auditors. */
  public readonly auditorRole: iam.Role;

  constructor(scope: Construct, id: string, props: AwfDataStackProps = {}) {
    // Always on, whatever the props say: deleting this stack must be a deliberate, two-step act.
    super(scope, id, { ...props, terminationProtection: true });
    const archiveRetention = props.eventArchiveRetention ?? Duration.days(30);
    if (!archiveRetention.isUnresolved() && archiveRetention.toDays({ integral: false }) < 1) {
      throw new InfrastructurePropsError(
        `eventArchiveRetention must be at least 1 day, got ${archiveRetention.toHumanString()}`,
        this,
      );
    }

    this.key = new kms.Key(this, 'DataKey', {
      description: 'awf: encrypts the runs and lineage tables, workflow logs and dead-letter queues',
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
    this.eventArchive = this.eventBus.archive('EventArchive', {
      description: 'Every event on the awf bus, for replay after an incident',
      eventPattern: { account: [this.account] },
      retention: archiveRetention,
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
        // Auditors read whole records from every index.
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }

    this.auditorRole = new iam.Role(this, 'AuditorRole', {
      assumedBy: new iam.AccountRootPrincipal(),
      description:
        "awf auditors: read the lineage table and its indexes, verify its records' MACs, nothing else",
      maxSessionDuration: Duration.hours(4),
    });
    this.grantReadLineage(this.auditorRole);

    new CfnOutput(this, STACK_OUTPUTS.runsTableName, { value: this.runsTable.tableName });
    new CfnOutput(this, STACK_OUTPUTS.lineageTableName, { value: this.lineageTable.tableName });
    new CfnOutput(this, STACK_OUTPUTS.eventBusName, { value: this.eventBus.eventBusName });
    new CfnOutput(this, 'AuditorRoleArn', { value: this.auditorRole.roleArn });
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
