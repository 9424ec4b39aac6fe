/**
 * How long awf's queues may keep what they hold, given the data retention.
 */
import { Duration } from 'aws-cdk-lib';

/** SQS keeps a message at most 14 days. */
const SQS_MAX_RETENTION_DAYS = 14;

/**
 * A dead-letter queue's retention: SQS's maximum (14 days), or the data
 * retention when shorter, since a dead letter can be a business event (a
 * trigger EventBridge could not deliver) and must not outlive the data it
 * carries.
 *
 * @example
 * new sqs.Queue(this, 'DeadLetterQueue', { retentionPeriod: deadLetterRetention(spec.data.retentionDays) });
 */
export function deadLetterRetention(retentionDays: number | undefined): Duration {
  return Duration.days(Math.min(SQS_MAX_RETENTION_DAYS, retentionDays ?? SQS_MAX_RETENTION_DAYS));
}
