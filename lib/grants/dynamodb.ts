/**
 * Least-privilege grants on the runs and lineage tables.
 *
 * CDK's `grantReadData` / `grantWriteData` are too wide here: write includes
 * `UpdateItem` and `DeleteItem` (which would let a step rewrite evidence), and
 * both reach every index through `index/*` and the key through
 * `kms:GenerateDataKey*` / `kms:ReEncrypt*`. These helpers name each action,
 * each index and each key operation, so a reviewer reads the exact power a
 * role holds and the tests can prove it.
 */
import { Aws } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import {
  LINEAGE_TABLE_LAYOUT,
  RUNS_TABLE_LAYOUT,
  type RunsPartition,
} from '../../core/storage/table-layout.js';
import { InfrastructurePropsError } from '../errors.js';

/** What appending to a hash chain takes: read the head of the chain, put the next record conditionally. */
export const LINEAGE_APPEND_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'] as const;

/** What an auditor needs to read records, by key or through an index. */
export const LINEAGE_AUDIT_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
] as const;

/**
 * What the checkpointer reads the lineage with: every chain id (a Scan of the
 * partition key) and each chain, consistently (Query); never an index.
 */
export const LINEAGE_CHECKPOINT_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'] as const;

/**
 * What the table's resource policy denies every principal on the lineage
 * table: every way to change or delete a stored record. `BatchWriteItem` is
 * in the list because IAM cannot tell its deletes from its puts, and no awf
 * writer batches lineage (each record is a conditional put).
 */
export const LINEAGE_MUTATING_ACTIONS = [
  'dynamodb:BatchWriteItem',
  'dynamodb:DeleteItem',
  'dynamodb:PartiQLDelete',
  'dynamodb:PartiQLUpdate',
  'dynamodb:UpdateItem',
] as const;

/** Reading runs, approvals, autonomy levels and counters. */
export const RUNS_READ_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:GetItem',
  'dynamodb:Query',
] as const;

/**
 * Changing state: runs, approvals, idempotency records and counters
 * (transactions are authorized as their item actions). Never DeleteItem or
 * BatchWriteItem: no step deletes, and deleting an execution claim or a
 * history entry would let an action run twice or loosen a temporal policy.
 */
export const RUNS_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem'] as const;

/**
 * Key operations DynamoDB performs with the caller's credentials on a table
 * encrypted with a customer-managed key: decrypting the table key to read,
 * and encrypting / generating data keys to write.
 */
const KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];
const KEY_WRITE_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'];

function indexArn(table: dynamodb.ITable, indexName: string): string {
  return `${table.tableArn}/index/${indexName}`;
}

/**
 * Lets the grantee use the key only through DynamoDB in this region: the key
 * protects evidence, so a role must not be able to decrypt with it directly.
 */
function grantKeyViaDynamoDb(key: kms.IKey, grantee: iam.IGrantable, actions: readonly string[]): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: [...actions],
    resourceArns: [key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Aws.REGION}.${Aws.URL_SUFFIX}` } },
  });
}

/**
 * Grants what appending to the lineage chain takes, and nothing more:
 * `GetItem`, `PutItem` and `Query` on the table itself (not its indexes),
 * and the key's encrypt / decrypt through DynamoDB.
 *
 * Never `UpdateItem`, `DeleteItem` or PartiQL: records are written once.
 *
 * @example
 * grantLineageAppend(lineageTable, dataKey, planFunction);
 */
export function grantLineageAppend(
  lineageTable: dynamodb.ITable,
  key: kms.IKey,
  grantee: iam.IGrantable,
): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: [...LINEAGE_APPEND_ACTIONS],
    resourceArns: [lineageTable.tableArn],
  });
  grantKeyViaDynamoDb(key, grantee, KEY_WRITE_ACTIONS);
}

/**
 * Grants an auditor read-only access to the lineage table and each of its
 * indexes (named, not `index/*`), and decrypt through DynamoDB: the
 * {@link LINEAGE_AUDIT_ACTIONS}, never a write.
 *
 * @returns the grant of the table and index actions combined with the key's.
 */
export function grantLineageAudit(
  lineageTable: dynamodb.ITable,
  key: kms.IKey,
  grantee: iam.IGrantable,
): iam.Grant {
  const read = iam.Grant.addToPrincipal({
    grantee,
    actions: [...LINEAGE_AUDIT_ACTIONS],
    resourceArns: [
      lineageTable.tableArn,
      ...Object.values(LINEAGE_TABLE_LAYOUT.indexes).map((index) => indexArn(lineageTable, index.indexName)),
    ],
  });
  return read.combine(grantKeyViaDynamoDb(key, grantee, KEY_READ_ACTIONS));
}

/**
 * Grants what building a checkpoint reads: the {@link LINEAGE_CHECKPOINT_ACTIONS}
 * on the lineage table itself (not its indexes), and decrypt through DynamoDB.
 *
 * @example
 * grantLineageChainsRead(lineageTable, dataKey, checkpointerFunction);
 */
export function grantLineageChainsRead(
  lineageTable: dynamodb.ITable,
  key: kms.IKey,
  grantee: iam.IGrantable,
): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: [...LINEAGE_CHECKPOINT_ACTIONS],
    resourceArns: [lineageTable.tableArn],
  }).combine(grantKeyViaDynamoDb(key, grantee, KEY_READ_ACTIONS));
}

/** Grants reading the runs table and its `byWorkflow` index. */
export function grantRunsRead(runsTable: dynamodb.ITable, key: kms.IKey, grantee: iam.IGrantable): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: [...RUNS_READ_ACTIONS],
    resourceArns: [runsTable.tableArn, indexArn(runsTable, RUNS_TABLE_LAYOUT.indexes.byWorkflow.indexName)],
  });
  grantKeyViaDynamoDb(key, grantee, KEY_READ_ACTIONS);
}

/**
 * Grants reading the runs table and its index, and writing the kinds of items
 * named by `partitions` only: a `dynamodb:LeadingKeys` condition on the
 * partition key prefix, so (for example) the step that runs actions cannot
 * approve them or raise an action's autonomy.
 *
 * @throws InfrastructurePropsError naming the table when `partitions` is empty (use {@link grantRunsRead}).
 * @example
 * grantRunsReadWrite(runsTable, dataKey, actFunction, ['execution', 'run', 'history']);
 */
export function grantRunsReadWrite(
  runsTable: dynamodb.ITable,
  key: kms.IKey,
  grantee: iam.IGrantable,
  partitions: readonly RunsPartition[],
  options: {
    /**
     * The workflow whose own items of per-workflow partitions (the kill
     * switch) the grantee may write: `SWITCH#<workflowId>` exactly, never
     * another workflow's.
     */
    readonly workflowId?: string;
  } = {},
): void {
  if (partitions.length === 0) {
    throw new InfrastructurePropsError(
      'partitions must name at least one kind of runs item to write, got []',
      runsTable,
    );
  }
  iam.Grant.addToPrincipal({
    grantee,
    actions: [...RUNS_READ_ACTIONS],
    resourceArns: [runsTable.tableArn, indexArn(runsTable, RUNS_TABLE_LAYOUT.indexes.byWorkflow.indexName)],
  });
  const prefixes = [...new Set(partitions)]
    .sort()
    .map((p) =>
      p === 'switch' && options.workflowId !== undefined
        ? `${RUNS_TABLE_LAYOUT.partitions[p]}${options.workflowId}`
        : `${RUNS_TABLE_LAYOUT.partitions[p]}*`,
    );
  iam.Grant.addToPrincipal({
    grantee,
    actions: [...RUNS_WRITE_ACTIONS],
    resourceArns: [runsTable.tableArn],
    // Every item a call writes must match; the Null check stops a request without the key passing vacuously.
    conditions: {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes },
      Null: { 'dynamodb:LeadingKeys': 'false' },
    },
  });
  grantKeyViaDynamoDb(key, grantee, KEY_WRITE_ACTIONS);
}
