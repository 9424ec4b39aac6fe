/**
 * Anchoring the lineage in AWS: a KMS signing key only the checkpointer may
 * sign with, an Object Lock bucket only the checkpointer may put into, and
 * the checkpointer function on a schedule (`lambdas/lineage/checkpointer.ts`).
 */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../core/runtime-env.js';
import { InfrastructurePropsError } from './errors.js';
import { grantLineageChainsRead } from './grants/dynamodb.js';
import { grantRecordKeysVerify, type RecordKeysByWriter } from './grants/keys.js';
import { flattenForNag } from './nag-ids.js';
import { PlatformFunction } from './platform-function.js';
import type { BundlingRoot } from './project-paths.js';

/** The object key prefix checkpoints are stored under (`adapters/s3-checkpoint-store.ts`). */
const CHECKPOINT_OBJECTS = 'checkpoints/*';

/** How the checkpoint bucket locks its objects. */
export interface CheckpointLock {
  /**
   * `COMPLIANCE`: nobody, the account root included, may shorten the lock or
   * delete a locked version. `GOVERNANCE`: a principal with
   * `s3:BypassGovernanceRetention` may; for stacks that must be torn down.
   * @default 'COMPLIANCE'
   */
  readonly mode?: 'COMPLIANCE' | 'GOVERNANCE';
  /**
   * How long each checkpoint is locked from its creation.
   * @default Duration.days(365)
   */
  readonly retention?: Duration;
}

/** Props of {@link LineageAnchoring}. */
export interface LineageAnchoringProps {
  readonly lineageTable: dynamodb.ITable;
  /** The key the lineage table and the function's log group are encrypted with. */
  readonly dataKey: kms.IKey;
  /** The lineage record keys, whose MACs the checkpointer checks before anchoring a record. */
  readonly recordKeys: RecordKeysByWriter;
  /** Where the checkpointer's failed invocations go. */
  readonly deadLetterQueue: sqs.IQueue;
  readonly bundlingRoot: BundlingRoot;
  /** @default - {@link CheckpointLock} defaults: compliance mode, 365 days */
  readonly lock?: CheckpointLock;
  /**
   * How often a checkpoint is made: the longest a rewritten tail can stay
   * unanchored. Each checkpoint reads the whole lineage table twice (a Scan
   * for the chain ids, then every chain), so this is also the cost lever.
   * @default Duration.minutes(5)
   */
  readonly interval?: Duration;
  /**
   * Days records are kept at least after their anchoring, as each checkpoint
   * states it (`core/lineage/retention.ts`): the shortest `data.retentionDays`
   * of the deployed workflows.
   * @default - records are never deleted: any missing record is damage
   */
  readonly retentionDays?: number;
}

/**
 * The checkpoint key, bucket and function.
 *
 * @example
 * const anchoring = new LineageAnchoring(this, 'LineageAnchoring', {
 *   lineageTable, dataKey, recordKeys, deadLetterQueue, bundlingRoot, retentionDays: 90,
 * });
 * anchoring.grantReadCheckpoints(auditorRole);
 */
export class LineageAnchoring extends Construct {
  /** `ECC_NIST_P256`, `SIGN_VERIFY`: only the checkpointer's role may `kms:Sign` (its key policy denies everyone else). */
  public readonly signingKey: kms.Key;
  /** Versioned, Object Lock, SSL only, no public access; only the checkpointer's role may put objects. */
  public readonly bucket: s3.Bucket;
  public readonly checkpointer: PlatformFunction;
  public readonly schedule: scheduler.Schedule;
  /** What EventBridge Scheduler invokes the checkpointer as. */
  public readonly scheduleRole: iam.Role;

  constructor(scope: Construct, id: string, props: LineageAnchoringProps) {
    super(scope, id);
    const interval = props.interval ?? Duration.minutes(5);
    const lockRetention = props.lock?.retention ?? Duration.days(365);
    if (!interval.isUnresolved() && (interval.toSeconds() < 60 || interval.toSeconds() % 60 !== 0)) {
      throw new InfrastructurePropsError(
        `interval must be whole minutes of at least 1 (a schedule rate), got ${interval.toHumanString()}`,
        this,
      );
    }
    if (!lockRetention.isUnresolved() && lockRetention.toDays({ integral: false }) < 1) {
      throw new InfrastructurePropsError(
        `lock.retention must be at least 1 day, got ${lockRetention.toHumanString()}`,
        this,
      );
    }
    if (
      props.retentionDays !== undefined &&
      !(Number.isInteger(props.retentionDays) && props.retentionDays >= 1)
    ) {
      throw new InfrastructurePropsError(
        `retentionDays must be a whole number of days >= 1, got ${props.retentionDays}`,
        this,
      );
    }

    this.signingKey = new kms.Key(this, 'SigningKey', {
      description: 'awf: signs the lineage checkpoints (only the checkpointer may sign)',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention:
        (props.lock?.mode ?? 'COMPLIANCE') === 'COMPLIANCE'
          ? s3.ObjectLockRetention.compliance(lockRetention)
          : s3.ObjectLockRetention.governance(lockRetention),
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.checkpointer = new PlatformFunction(this, 'Checkpointer', {
      handlerModule: 'lineage/checkpointer',
      description: 'lineage checkpointer: signs the heads of every lineage chain into the checkpoint bucket',
      logKey: props.dataKey,
      deadLetterQueue: props.deadLetterQueue,
      bundlingRoot: props.bundlingRoot,
      // It reads the whole table: give it room.
      timeout: Duration.minutes(10),
      memorySize: 1024,
      environment: {
        [ENV.lineageTable]: props.lineageTable.tableName,
        [ENV.checkpointBucket]: this.bucket.bucketName,
        [ENV.checkpointKeyId]: this.signingKey.keyArn,
        [ENV.checkpointOrigin]: props.lineageTable.tableArn,
        [ENV.recordKeys]: Stack.of(this).toJsonString(
          Object.fromEntries(Object.entries(props.recordKeys).map(([step, key]) => [step, key.keyArn])),
        ),
        ...(props.retentionDays !== undefined && {
          [ENV.checkpointRetentionDays]: String(props.retentionDays),
        }),
      },
    });
    // Two runs at once (a slow one overlapping the next) race for a sequence number; S3 refuses the
    // second put (If-None-Match) and the loser builds again from the new latest.
    const fn = this.checkpointer.function;
    this.grantCheckpointing(props, this.checkpointer.role);

    // A role of its own (rather than the stack's shared scheduler role), so its findings are acknowledged here.
    this.scheduleRole = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'awf: EventBridge Scheduler invokes the lineage checkpointer',
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'awf: the next lineage checkpoint',
      schedule: scheduler.ScheduleExpression.rate(interval),
      target: new targets.LambdaInvoke(fn, {
        role: this.scheduleRole,
        retryAttempts: 0,
        deadLetterQueue: props.deadLetterQueue,
      }),
    });
    this.acknowledgeFindings();
  }

  /**
   * Lets `grantee` read the checkpoints and the public key that verifies them:
   * `s3:GetObject` on the checkpoint objects, `s3:ListBucket` on the bucket,
   * `kms:GetPublicKey` and `kms:DescribeKey` on the signing key. Never a put,
   * never `kms:Sign`. What the auditor role holds.
   */
  public grantReadCheckpoints(grantee: iam.IGrantable): iam.Grant {
    return this.grantObjects(grantee, ['s3:GetObject'])
      .combine(
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['s3:ListBucket'],
          resourceArns: [this.bucket.bucketArn],
        }),
      )
      .combine(
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['kms:DescribeKey', 'kms:GetPublicKey'],
          resourceArns: [this.signingKey.keyArn],
        }),
      );
  }

  private grantObjects(grantee: iam.IGrantable, actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions,
      resourceArns: [this.bucket.arnForObjects(CHECKPOINT_OBJECTS)],
    });
  }

  /**
   * The checkpointer's role: sign with the signing key, put and read
   * checkpoints, read the lineage table, verify records' MACs. The key and
   * bucket policies deny signing and putting to every other principal, so an
   * administrator's broad IAM policy cannot forge a checkpoint either.
   */
  private grantCheckpointing(props: LineageAnchoringProps, role: iam.Role): void {
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: ['kms:GetPublicKey', 'kms:Sign'],
      resourceArns: [this.signingKey.keyArn],
    });
    this.grantObjects(role, ['s3:GetObject', 's3:PutObject']);
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
    });
    grantLineageChainsRead(props.lineageTable, props.dataKey, role);
    grantRecordKeysVerify(Object.values(props.recordKeys), role);

    this.signingKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheCheckpointerSigns',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Sign'],
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': role.roleArn } },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheCheckpointerPutsCheckpoints',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': role.roleArn } },
      }),
    );
  }

  private acknowledgeFindings(): void {
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Checkpoints are written once under Object Lock and only the checkpointer role may put them (bucket policy); they hold hashes and run ids, no business data. Turn on CloudTrail S3 data events for a trail of every read.',
    });
    Validations.of(this.scheduleRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${flattenForNag(this, this.checkpointer.function.functionArn)}:*]`,
      reason:
        'lambda:InvokeFunction on the checkpointer and its qualified versions and aliases (ARN:*), as the scheduler target grants it; no other function.',
    });
    Validations.of(this.checkpointer.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${flattenForNag(this, this.bucket.arnForObjects(CHECKPOINT_OBJECTS))}]`,
      reason:
        'Each checkpoint is an object of its own under checkpoints/ (one per sequence number); the role may put and read those objects only, in this bucket only.',
    });
  }
}
