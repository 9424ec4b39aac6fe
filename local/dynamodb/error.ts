/**
 * The error of the DynamoDB Local service, for the launcher and the template's tables alike.
 */
import { AwfError } from '../../core/errors.js';

/** DynamoDB Local could not be started, or a table of the template could not be created. */
export class LocalDynamoDbError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalDynamoDbError';
  }
}
