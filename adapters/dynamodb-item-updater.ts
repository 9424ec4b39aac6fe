/**
 * ItemUpdater for the `dynamodb` connector: sets fields of an existing item.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { AwfError } from '../core/errors.js';
import type { ItemUpdater } from '../core/ports.js';
import { isConditionalCheckFailed } from './dynamodb-errors.js';

/** The connector's update was refused: the item does not exist, or the update would touch its key. */
export class ConnectorUpdateError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConnectorUpdateError';
  }
}

/**
 * Updates items with `SET` for each field, only when the item exists: an
 * action updates a business record, it never creates one (a typo in a key the
 * model proposed must fail loudly, not write a stray item).
 */
export class DynamoDbItemUpdater implements ItemUpdater {
  constructor(private readonly client: DynamoDBDocumentClient) {}

  async update(
    tableName: string,
    key: Readonly<Record<string, unknown>>,
    set: Readonly<Record<string, unknown>>,
  ): Promise<void> {
    const keyNames = Object.keys(key);
    const firstKey = keyNames[0];
    if (firstKey === undefined) {
      throw new ConnectorUpdateError(`update of table ${tableName} has no key fields`);
    }
    const touchedKeys = Object.keys(set).filter((name) => keyNames.includes(name));
    if (touchedKeys.length > 0) {
      throw new ConnectorUpdateError(
        `update of table ${tableName} may not set its key field(s) ${touchedKeys.join(', ')}`,
      );
    }
    const fields = Object.entries(set).filter(([, value]) => value !== undefined);
    if (fields.length === 0) {
      throw new ConnectorUpdateError(`update of table ${tableName} sets no fields`);
    }
    // Positional placeholders: field names come from the spec and may not be valid expression tokens.
    const names: Record<string, string> = { '#k0': firstKey };
    const values: Record<string, unknown> = {};
    const assignments = fields.map(([name, value], i) => {
      names[`#f${i}`] = name;
      values[`:v${i}`] = value;
      return `#f${i} = :v${i}`;
    });
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { ...key },
          UpdateExpression: `SET ${assignments.join(', ')}`,
          ConditionExpression: 'attribute_exists(#k0)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new ConnectorUpdateError(
          `no item with key ${JSON.stringify(key)} in table ${tableName}; the connector only updates existing items`,
          { cause: error },
        );
      }
      throw error;
    }
  }
}
