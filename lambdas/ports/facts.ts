/**
 * The facts port in a Lambda: GetItem on the customer tables the spec's
 * grounding facts name. The tables come from the spec bundled with the step,
 * so no environment variable is read.
 */
import { dynamoDbDocumentClient } from '../../adapters/aws-clients.js';
import { DynamoDbFactReader } from '../../adapters/dynamodb-fact-reader.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';

/** Builds the fact reader once per cold start. */
export function createFactsPort(_pack: WorkflowPack): DynamoDbFactReader {
  return new DynamoDbFactReader(dynamoDbDocumentClient());
}
