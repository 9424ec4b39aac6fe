import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  BedrockRuntimeClient,
  type BedrockRuntimeClientConfig,
  ConverseCommand,
  type ConverseCommandInput,
  InternalServerException,
  ThrottlingException,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type LocalBedrock, MODEL_SCRIPT_VARIABLE, startLocalBedrock } from '../../../local/bedrock/index.js';
import { localClientConfig } from '../../../local/process/aws-env.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/local');
const MODEL_SCRIPT = join(FIXTURES, 'model-script.mjs');
const MODEL_ID = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';

function aConverseRequest(
  overrides: Partial<ConverseCommandInput> & { say?: string } = {},
): ConverseCommandInput {
  const { say = 'refund order ord_123456', ...rest } = overrides;
  return {
    modelId: MODEL_ID,
    system: [{ text: 'You triage refunds.' }],
    messages: [{ role: 'user', content: [{ text: say }] }],
    inferenceConfig: { maxTokens: 512, temperature: 0 },
    toolConfig: {
      tools: [
        {
          toolSpec: {
            name: 'issueRefund',
            description: 'Refund an order.',
            inputSchema: { json: { type: 'object', properties: { orderId: { type: 'string' } } } },
          },
        },
      ],
    },
    requestMetadata: { workflowId: 'refund-triage', runId: 'run_1' },
    ...rest,
  };
}

/**
 * Imports the fixture packs one after the other. discoverWorkflowPacks imports
 * them concurrently, which Jest's ESM loader does not survive when the shared
 * dependencies are not cached yet ("request for 'zod' is not in cache"); Node
 * itself has no such problem.
 */
async function warmFixturePacks(): Promise<void> {
  for (const pack of ['echo-flow', 'silent-flow']) {
    await import(pathToFileURL(join(FIXTURES, 'workflows', pack, 'workflow.ts')).href);
  }
}

function clientFor(endpoint: string, extra: Partial<BedrockRuntimeClientConfig> = {}): BedrockRuntimeClient {
  // One attempt: the SDK would otherwise retry throttling and 5xx answers on its own.
  return new BedrockRuntimeClient({ ...localClientConfig(endpoint, 'us-east-1'), maxAttempts: 1, ...extra });
}

describe('the local Bedrock endpoint with a model script', () => {
  let bedrock: LocalBedrock;
  let http2Client: BedrockRuntimeClient;
  let http1Client: BedrockRuntimeClient;

  beforeAll(async () => {
    bedrock = await startLocalBedrock({ modelScript: MODEL_SCRIPT });
    http2Client = clientFor(bedrock.endpoint);
    http1Client = clientFor(bedrock.endpoint, { requestHandler: new NodeHttpHandler() });
  });

  afterAll(async () => {
    http2Client.destroy();
    http1Client.destroy();
    await bedrock.stop();
  });

  it('answers ConverseCommand from the default (HTTP/2) client with the script answer', async () => {
    const output = await http2Client.send(new ConverseCommand(aConverseRequest()));
    expect(output.stopReason).toBe('tool_use');
    expect(output.output?.message?.content).toEqual([
      { text: `model ${MODEL_ID} for refund-triage` },
      {
        toolUse: {
          toolUseId: 'tooluse_1',
          name: 'issueRefund',
          input: { echoed: 'refund order ord_123456' },
        },
      },
    ]);
    expect(output.usage).toEqual({ inputTokens: 12, outputTokens: 7, totalTokens: 19 });
    expect(output.metrics?.latencyMs).toEqual(expect.any(Number));
  });

  it('answers a client given the HTTP/1.1 NodeHttpHandler', async () => {
    const output = await http1Client.send(new ConverseCommand(aConverseRequest()));
    expect(output.output?.message?.role).toBe('assistant');
  });

  it('surfaces a ThrottlingException the model throws by name, as the real service does', async () => {
    const failure = http1Client.send(new ConverseCommand(aConverseRequest({ say: 'THROTTLE please' })));
    await expect(failure).rejects.toBeInstanceOf(ThrottlingException);
    await expect(failure).rejects.toMatchObject({
      name: 'ThrottlingException',
      message: 'Too many requests, please wait before trying again.',
      $metadata: { httpStatusCode: 429 },
    });
  });

  it('maps model timeouts and outages to their Bedrock statuses', async () => {
    await expect(
      http2Client.send(new ConverseCommand(aConverseRequest({ say: 'SLOW' }))),
    ).rejects.toMatchObject({
      name: 'ModelTimeoutException',
      $metadata: { httpStatusCode: 408 },
    });
    await expect(
      http2Client.send(new ConverseCommand(aConverseRequest({ say: 'DOWN' }))),
    ).rejects.toMatchObject({
      name: 'ServiceUnavailableException',
      $metadata: { httpStatusCode: 503 },
    });
  });

  it('answers InternalServerException naming the workflow when the model fails with a non-Bedrock error', async () => {
    const failure = http2Client.send(new ConverseCommand(aConverseRequest({ say: 'CRASH' })));
    await expect(failure).rejects.toBeInstanceOf(InternalServerException);
    await expect(failure).rejects.toThrow(
      'the local model of "refund-triage" failed: TypeError: cannot read the prompt',
    );
  });

  it('answers InternalServerException when the model returns something that is not a Converse response', async () => {
    await expect(http2Client.send(new ConverseCommand(aConverseRequest({ say: 'GARBAGE' })))).rejects.toThrow(
      /the local model of "refund-triage" returned an invalid Converse response: output\.message/,
    );
  });

  it('fails a request without messages with a ValidationException naming the field', async () => {
    const failure = http2Client.send(new ConverseCommand(aConverseRequest({ messages: [] })));
    await expect(failure).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'invalid Converse request: messages: expected at least one message',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('fails a request without a tool configuration or with an empty message with a ValidationException', async () => {
    const { toolConfig: _omitted, ...withoutTools } = aConverseRequest();
    await expect(http2Client.send(new ConverseCommand(withoutTools))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('toolConfig'),
    });
    await expect(
      http2Client.send(new ConverseCommand(aConverseRequest({ messages: [{ role: 'user', content: [] }] }))),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'invalid Converse request: messages.0.content: expected at least one content block',
    });
  });

  it('counts requests per workflow, failures included', async () => {
    const before = bedrock.requestCounts()['incident-triage'] ?? 0;
    const request = aConverseRequest({ requestMetadata: { workflowId: 'incident-triage', runId: 'run_2' } });
    await http2Client.send(new ConverseCommand(request));
    await http2Client
      .send(
        new ConverseCommand({ ...request, messages: [{ role: 'user', content: [{ text: 'THROTTLE' }] }] }),
      )
      .catch(() => {});
    expect(bedrock.requestCounts()['incident-triage']).toBe(before + 2);
  });
});

describe('the local Bedrock endpoint with the workflow packs', () => {
  let bedrock: LocalBedrock;
  let client: BedrockRuntimeClient;
  const withWorkflow = (workflowId: string) =>
    aConverseRequest({ modelId: 'fixture.echo-v1', requestMetadata: { workflowId, runId: 'run_3' } });

  beforeAll(async () => {
    await warmFixturePacks();
    bedrock = await startLocalBedrock({ workflowsDir: join(FIXTURES, 'workflows') });
    client = clientFor(bedrock.endpoint);
  });

  afterAll(async () => {
    client.destroy();
    await bedrock.stop();
  });

  it('routes a request to the local model of the workflow its requestMetadata names', async () => {
    expect(bedrock.workflows).toEqual(['echo-flow']);
    const output = await client.send(new ConverseCommand(withWorkflow('echo-flow')));
    expect(output.output?.message?.content?.[0]?.toolUse).toEqual({
      toolUseId: 'tooluse_echo',
      name: 'finish',
      input: { summary: 'echo-flow answered as fixture.echo-v1 to 1 message(s)' },
    });
    expect(bedrock.requestCounts()).toEqual({ 'echo-flow': 1 });
  });

  it('fails a workflow without a local model with ResourceNotFoundException naming it', async () => {
    await expect(client.send(new ConverseCommand(withWorkflow('silent-flow')))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'no local model for workflow "silent-flow" (workflows with one: echo-flow)',
    });
  });

  it('fails a request that does not say which workflow it is for with a ValidationException', async () => {
    await expect(
      client.send(new ConverseCommand({ ...withWorkflow('echo-flow'), requestMetadata: undefined })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('requestMetadata.workflowId is required'),
    });
  });
});

describe('startLocalBedrock', () => {
  it(`uses the module ${MODEL_SCRIPT_VARIABLE} names for every workflow`, async () => {
    process.env[MODEL_SCRIPT_VARIABLE] = MODEL_SCRIPT;
    const bedrock = await startLocalBedrock({ workflowsDir: join(FIXTURES, 'workflows') });
    const client = clientFor(bedrock.endpoint);
    try {
      expect(bedrock.workflows).toEqual(['*']);
      const output = await client.send(
        new ConverseCommand(aConverseRequest({ requestMetadata: { workflowId: 'echo-flow' } })),
      );
      expect(output.output?.message?.content?.[0]).toEqual({ text: `model ${MODEL_ID} for echo-flow` });
    } finally {
      delete process.env[MODEL_SCRIPT_VARIABLE];
      client.destroy();
      await bedrock.stop();
    }
  });

  it('fails to start with a model script that does not default-export a function', async () => {
    const notAModel = join(FIXTURES, 'workflows/echo-flow/workflow.ts');
    await expect(startLocalBedrock({ modelScript: notAModel })).rejects.toThrow(
      `${MODEL_SCRIPT_VARIABLE} ${notAModel} must default-export a function (body, modelId) => Converse response, got object`,
    );
  });
});
