import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { type LocalLambda, startLocalLambda } from '../../../local/lambda/index.js';
import { localClientConfig } from '../../../local/process/aws-env.js';
import { loadCloudAssembly } from '../../../local/template/index.js';

const ASSEMBLY = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/local/assembly');
const ECHO = 'awf-local-workflows-EchoFunction';

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const decode = (payload: Uint8Array | undefined) =>
  JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;

describe('the local Lambda Invoke API', () => {
  const template = loadCloudAssembly(ASSEMBLY);
  let lambda: LocalLambda;
  let client: LambdaClient;

  beforeAll(async () => {
    lambda = await startLocalLambda({ template, onLog: () => {} });
    client = new LambdaClient(localClientConfig(lambda.endpoint, 'eu-west-1'));
  });

  afterAll(async () => {
    client.destroy();
    await lambda.stop();
  });

  it('listens on the loopback interface', () => {
    expect(lambda.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(lambda.name).toBe('lambda');
  });

  it('invokes a function by name through InvokeCommand and returns its result', async () => {
    const output = await client.send(
      new InvokeCommand({ FunctionName: ECHO, Payload: encode({ action: 'echo', approvalId: 'apr_1' }) }),
    );
    expect(output.StatusCode).toBe(200);
    expect(output.FunctionError).toBeUndefined();
    expect(output.ExecutedVersion).toBe('$LATEST');
    expect(decode(output.Payload)).toMatchObject({
      name: 'echo',
      event: { action: 'echo', approvalId: 'apr_1' },
    });
  });

  it('gives functions the Invoke API itself as their Lambda endpoint', async () => {
    const output = await client.send(
      new InvokeCommand({ FunctionName: ECHO, Payload: encode({ action: 'echo' }) }),
    );
    expect(decode(output.Payload)).toMatchObject({ env: { AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint } });
  });

  it('invokes a function by ARN with the $LATEST qualifier', async () => {
    const output = await client.send(
      new InvokeCommand({
        FunctionName: template.arnOf('OtherFunction'),
        Qualifier: '$LATEST',
        Payload: encode({ action: 'echo' }),
      }),
    );
    expect(decode(output.Payload)).toMatchObject({ name: 'other' });
  });

  it('answers a function error with status 200, X-Amz-Function-Error Unhandled and the error document', async () => {
    const output = await client.send(
      new InvokeCommand({
        FunctionName: ECHO,
        Payload: encode({
          action: 'fail',
          errorName: 'ApprovalDecisionError',
          message: 'approval apr_9 already decided',
        }),
      }),
    );
    expect(output.StatusCode).toBe(200);
    expect(output.FunctionError).toBe('Unhandled');
    expect(decode(output.Payload)).toMatchObject({
      errorType: 'ApprovalDecisionError',
      errorMessage: 'approval apr_9 already decided',
    });
  });

  it('fails an unknown function with ResourceNotFoundException naming it', async () => {
    const failure = client.send(new InvokeCommand({ FunctionName: 'no-such-function', Payload: encode({}) }));
    await expect(failure).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(failure).rejects.toThrow(/Function not found: no-such-function/);
  });

  it('fails a payload that is not JSON with InvalidRequestContentException', async () => {
    const failure = client.send(
      new InvokeCommand({ FunctionName: ECHO, Payload: new TextEncoder().encode('{not json') }),
    );
    await expect(failure).rejects.toMatchObject({ name: 'InvalidRequestContentException' });
  });

  it('accepts an Event invocation with 202 without waiting for the function', async () => {
    const output = await client.send(
      new InvokeCommand({
        FunctionName: ECHO,
        InvocationType: 'Event',
        Payload: encode({ action: 'sleep', ms: 50 }),
      }),
    );
    expect(output.StatusCode).toBe(202);
  });

  it('answers a DryRun with 204', async () => {
    const output = await client.send(
      new InvokeCommand({ FunctionName: ECHO, InvocationType: 'DryRun', Payload: encode({}) }),
    );
    expect(output.StatusCode).toBe(204);
  });
});
