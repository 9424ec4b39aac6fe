/**
 * FactReader on DynamoDB: the grounding reads of a customer's table, one
 * `GetItem` by key, nothing else (the step's role holds `dynamodb:GetItem` on
 * the tables the spec names and no other action).
 *
 * The table is passed as the spec writes it, a name or a table ARN: GetItem
 * accepts either as `TableName`, and so does DynamoDB Local, so the local
 * cloud needs no translation (it creates an ARN's table under its name, and
 * DynamoDB Local finds it by the ARN's name whatever account the ARN names).
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { AwfError } from '../core/errors.js';
import type { FactReader } from '../core/ports.js';

/**
 * A grounding table does not exist (or is not visible to this role's account
 * and region): a permanent problem of the deployment, not of the event.
 */
export class FactTableNotFoundError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FactTableNotFoundError';
  }
}

/** Reads one item by key with a strongly consistent read: a fact is what the table holds now. */
export class DynamoDbFactReader implements FactReader {
  constructor(private readonly client: DynamoDBDocumentClient) {}

  /**
   * @throws FactTableNotFoundError when the table does not exist, naming it.
   * Any other error (throttling, AccessDenied) propagates as the SDK raised
   * it, so Step Functions' Retry still matches on its name.
   */
  async getItem(
    table: string,
    key: Readonly<Record<string, string | number>>,
  ): Promise<Readonly<Record<string, unknown>> | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: table, Key: { ...key }, ConsistentRead: true }),
      );
      return Item;
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') {
        throw new FactTableNotFoundError(
          `grounding table ${table} does not exist (reading the item with key ${JSON.stringify(key)})`,
          { cause: error },
        );
      }
      throw error;
    }
  }
}
