/**
 * The lineage checkpointer function: on its schedule, builds the next signed
 * checkpoint of the lineage table (`core/lineage/checkpointer.ts`), signed
 * with the data stack's KMS checkpoint key, and stores it in the Object Lock
 * bucket. Records' MACs are checked with the record keys, so a forged record
 * is listed as damage, never anchored.
 */

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { dynamoDbClient } from '../../adapters/aws-clients.js';
import { DynamoDbLineageStore } from '../../adapters/dynamodb-lineage-store.js';
import { KmsCheckpointSigner } from '../../adapters/kms-checkpoint-signer.js';
import { createKmsClient } from '../../adapters/kms-keyed-hasher.js';
import { KmsRecordKeys, type RecordKeyIds, recordKeyIdsSchema } from '../../adapters/kms-record-keys.js';
import { S3CheckpointStore } from '../../adapters/s3-checkpoint-store.js';
import { ConfigurationError } from '../../core/errors.js';
import { type CheckpointSummary, writeNextCheckpoint } from '../../core/lineage/checkpointer.js';
import { ENV } from '../../core/runtime-env.js';
import { requireEnv } from '../config.js';
import { logger, metrics } from '../observability.js';

function retentionDays(): number | undefined {
  const text = process.env[ENV.checkpointRetentionDays];
  if (text === undefined || text === '') return undefined;
  const days = Number(text);
  if (!Number.isInteger(days) || days < 1) {
    throw new ConfigurationError(
      `${ENV.checkpointRetentionDays} must be a whole number of days >= 1, got "${text}"`,
    );
  }
  return days;
}

/** The record keys to verify MACs with: `AWF_RECORD_KEYS`, writer step -> key ARN. */
function recordKeyIds(): RecordKeyIds {
  const text = requireEnv(ENV.recordKeys);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${ENV.recordKeys} must be JSON, got ${text}`, { cause: error });
  }
  const parsed = recordKeyIdsSchema.safeParse(value);
  if (!parsed.success) {
    throw new ConfigurationError(`${ENV.recordKeys} must map step names to KMS key ids, got ${text}`);
  }
  return parsed.data;
}

const kms = createKmsClient();
const days = retentionDays();
const ports = {
  store: new S3CheckpointStore({ client: new S3Client({}), bucketName: requireEnv(ENV.checkpointBucket) }),
  source: new DynamoDbLineageStore({ client: dynamoDbClient(), tableName: requireEnv(ENV.lineageTable) }),
  signers: [new KmsCheckpointSigner({ client: kms, keyId: requireEnv(ENV.checkpointKeyId) })],
  origin: requireEnv(ENV.checkpointOrigin),
  recordKeys: new KmsRecordKeys({ client: kms, keyIds: recordKeyIds() }),
  clock: () => new Date(),
  ...(days !== undefined && { retentionDays: days }),
};

/**
 * Writes the next checkpoint and logs what it holds.
 * @throws CheckpointError when the latest stored checkpoint is not ours, or the race for the next sequence was lost every time; KMS, S3 and DynamoDB errors.
 */
export async function handler(): Promise<Omit<CheckpointSummary, 'signed'>> {
  const { signed: _signed, ...summary } = await writeNextCheckpoint(ports);
  logger.info('checkpoint stored', { ...summary });
  metrics.addMetric('LineageCheckpointLeaves', MetricUnit.Count, summary.leafCount);
  metrics.addMetric('LineageDamagedChains', MetricUnit.Count, summary.damaged);
  metrics.publishStoredMetrics();
  return summary;
}
