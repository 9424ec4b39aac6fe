/**
 * The lineage tamper function: invoked by the event source mapping on the
 * lineage table's stream (MODIFY and REMOVE only, by the mapping's filter),
 * it puts a `LineageTampered` event on the platform bus and counts the
 * `LineageTamperEvents` metric for every change that was not a TTL deletion
 * (`core/lineage/tamper.ts`).
 *
 * A failure to publish throws: the mapping retries the batch, then sends it
 * to the data stack's dead-letter queue, so no finding is dropped silently.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { eventBridgeClient } from '../../adapters/aws-clients.js';
import { EventBridgePublisher } from '../../adapters/eventbridge-publisher.js';
import { ConfigurationError } from '../../core/errors.js';
import {
  LINEAGE_TAMPER_METRIC,
  lineageStreamEventSchema,
  lineageTamperEvent,
  lineageTamperFindings,
} from '../../core/lineage/tamper.js';
import { ENV } from '../../core/runtime-env.js';
import { requireEnv } from '../config.js';
import { logger, metrics } from '../observability.js';

const publisher = new EventBridgePublisher({
  client: eventBridgeClient(),
  eventBusName: requireEnv(ENV.eventBus),
});

/**
 * Reports the batch's tamper findings; resolves with how many there were.
 * @throws ConfigurationError when the event is not a DynamoDB stream batch; EventPublishError when the bus refuses.
 */
export async function handler(event: unknown): Promise<{ findings: number }> {
  const parsed = lineageStreamEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new ConfigurationError(
      `the tamper function expects DynamoDB stream records: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const findings = lineageTamperFindings(parsed.data.Records);
  if (findings.length === 0) return { findings: 0 };
  for (const finding of findings) logger.error('lineage item changed outside an append', { ...finding });
  await publisher.publish(findings.map(lineageTamperEvent));
  metrics.addMetric(LINEAGE_TAMPER_METRIC.name, MetricUnit.Count, findings.length);
  metrics.publishStoredMetrics();
  return { findings: findings.length };
}
