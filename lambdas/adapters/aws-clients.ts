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
 * How awf converts JavaScript values to DynamoDB items and back, through the
 * document client or `@aws-sdk/util-dynamodb` directly: `undefined` members
 * are dropped (as canonical JSON drops them, so lineage hashes survive the
 * round trip) and plain numbers come back as numbers.
 */
export const ITEM_CONVERSION = Object.freeze({
  marshallOptions: Object.freeze({ removeUndefinedValues: true }),
  unmarshallOptions: Object.freeze({ wrapNumbers: false }),
});

/** Wraps a DynamoDB client in a document client with awf's conversion settings. */
export function toDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  // The document client writes its own defaults (top-level container
  // conversion) into the options it is given: it gets copies, so the shared
  // settings stay as they are for the adapters that convert items themselves.
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { ...ITEM_CONVERSION.marshallOptions },
    unmarshallOptions: { ...ITEM_CONVERSION.unmarshallOptions },
  });
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

/**
 * The plain DynamoDB client of this execution environment, for adapters that
 * convert items themselves (the lineage store). It resolves each command's
 * middleware stack once and reuses it (`cacheMiddleware`), which saves about a
 * fifth of the SDK's work per call; the document client refuses that setting,
 * so this client is its own.
 */
export const dynamoDbClient = once(() => new DynamoDBClient({ cacheMiddleware: true }));

/** The EventBridge client of this execution environment. */
export const eventBridgeClient = once(() => new EventBridgeClient({}));

/** The Step Functions client of this execution environment. */
export const sfnClient = once(() => new SFNClient({}));
