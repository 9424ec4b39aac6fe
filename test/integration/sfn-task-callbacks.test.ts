/**
 * Step Functions callbacks through the real SDK client against a local
 * endpoint: what is sent, and that errors keep the names callers match on.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnTaskCallbacks } from '../../adapters/sfn-task-callbacks.js';
import { type JsonProtocolServer, startJsonProtocolServer } from '../support/json-protocol-server.js';

let server: JsonProtocolServer;
let client: SFNClient;

beforeAll(async () => {
  server = await startJsonProtocolServer((call) =>
    call.body.taskToken === 'gone'
      ? { error: 'TaskTimedOut', message: 'Task Timed Out' }
      : call.body.taskToken === 'unknown'
        ? { error: 'TaskDoesNotExist', message: 'Task does not exist' }
        : { body: {} },
  );
  client = new SFNClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await server.close();
});
beforeEach(() => {
  server.calls.length = 0;
});

describe('SfnTaskCallbacks', () => {
  it('sends success with the output as JSON', async () => {
    await new SfnTaskCallbacks(client).succeed('token-1', { approvalId: 'appr-1', decision: 'APPROVED' });
    expect(server.calls).toEqual([
      {
        operation: 'SendTaskSuccess',
        body: {
          taskToken: 'token-1',
          output: JSON.stringify({ approvalId: 'appr-1', decision: 'APPROVED' }),
        },
      },
    ]);
  });

  it('sends failure with error and cause cut to the service limits', async () => {
    await new SfnTaskCallbacks(client).fail('token-1', 'AWF.ApprovalRejected', 'x'.repeat(40_000));
    const body = server.calls[0]?.body;
    expect(body?.error).toBe('AWF.ApprovalRejected');
    expect(String(body?.cause)).toHaveLength(32_768);
  });

  it('fails with the service error name when the task is gone', async () => {
    const callbacks = new SfnTaskCallbacks(client);
    await expect(callbacks.fail('gone', 'AWF.ApprovalRejected', '{}')).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
    await expect(callbacks.succeed('unknown', {})).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
  });
});
