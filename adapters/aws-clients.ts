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

/** The part of an SDK client that {@link withoutDiscardedLogging} changes. */
interface ClientWithMiddleware {
  readonly middlewareStack: { remove(toRemove: string): boolean };
}

/**
 * Removes the SDK's logger middleware from a client built without a logger.
 *
 * Without a logger the SDK logs to one that discards everything, yet its
 * logger middleware still builds a redacted copy of every request and
 * response (walking the operation's schema) to hand to it: about 3% of the
 * step Lambdas' CPU in a profile of the local cloud, paid on every call in AWS
 * as well. It removes the middleware whatever the client's logger, so it is
 * for clients built without one.
 */
export function withoutDiscardedLogging<C extends ClientWithMiddleware>(client: C): C {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

function once<T>(create: () => T): () => T {
  let instance: T | undefined;
  return () => {
    instance ??= create();
    return instance;
  };
}

/** The DynamoDB document client of this execution environment. */
export const dynamoDbDocumentClient = once(() =>
  toDocumentClient(withoutDiscardedLogging(new DynamoDBClient({}))),
);

/**
 * The plain DynamoDB client of this execution environment, for adapters that
 * convert items themselves (the lineage store). It resolves each command's
 * middleware stack once and reuses it (`cacheMiddleware`), which saves about a
 * fifth of the SDK's work per call; the document client refuses that setting,
 * so this client is its own.
 */
export const dynamoDbClient = once(() =>
  withoutDiscardedLogging(new DynamoDBClient({ cacheMiddleware: true })),
);

/** The EventBridge client of this execution environment (middleware resolved once, as above). */
export const eventBridgeClient = once(() =>
  withoutDiscardedLogging(new EventBridgeClient({ cacheMiddleware: true })),
);

/** The Step Functions client of this execution environment (middleware resolved once, as above). */
export const sfnClient = once(() => withoutDiscardedLogging(new SFNClient({ cacheMiddleware: true })));
