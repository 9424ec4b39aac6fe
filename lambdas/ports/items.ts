/** The items port in a Lambda: UpdateItem on the connectors' DynamoDB tables. */
import { dynamoDbDocumentClient } from '../../adapters/aws-clients.js';
import { DynamoDbItemUpdater } from '../../adapters/dynamodb-item-updater.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';

/** Builds the item updater once per cold start. */
export function createItemsPort(_pack: WorkflowPack): DynamoDbItemUpdater {
  return new DynamoDbItemUpdater(dynamoDbDocumentClient());
}
