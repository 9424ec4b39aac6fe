/**
 * The AWS SDK v3 clients of a Lambda, each created once per execution
 * environment and reused by every invocation (connection reuse, no per-call
 * credential resolution).
 *
 * No endpoint is set here: the SDK reads `AWS_ENDPOINT_URL_DYNAMODB`,
 * `AWS_ENDPOINT_URL_EVENTBRIDGE`, `AWS_ENDPOINT_URL_SFN` (or `AWS_ENDPOINT_URL`)
 * on its own, which is how the local cloud points the same code at its local
 * services.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * How the document client converts JavaScript values: `undefined` members are
 * dropped (as canonical JSON drops them, so lineage hashes survive the round
 * trip) and plain numbers come back as numbers.
 */
export const DOCUMENT_TRANSLATE_CONFIG = {
  marshallOptions: { removeUndefinedValues: true },
  unmarshallOptions: { wrapNumbers: false },
} as const;

/** Wraps a DynamoDB client in a document client with awf's conversion settings. */
export function toDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, DOCUMENT_TRANSLATE_CONFIG);
}

function once<T>(create: () => T): () => T {
  let instance: T | undefined;
  return () => {
    instance ??= create();
    return instance;
  };
}

/** The DynamoDB document client of this execution environment. */
export const dynamoDbDocumentClient = once(() => toDocumentClient(new DynamoDBClient({})));

/** The EventBridge client of this execution environment. */
export const eventBridgeClient = once(() => new EventBridgeClient({}));

/** The Step Functions client of this execution environment. */
export const sfnClient = once(() => new SFNClient({}));
