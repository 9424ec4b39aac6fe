import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import {
  BedrockModel,
  createBedrockRuntimeClient,
  ModelResponseError,
} from '../../../adapters/bedrock-model.js';
import type { ConverseRequest } from '../../../core/model/model.js';

/** A plain HTTP/1.1 server standing in for a local Converse endpoint. */
interface Received {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly httpVersion: string;
  readonly body: Record<string, unknown>;
}

let server: Server;
let received: Received[] = [];
let reply: (response: ServerResponse) => void = () => undefined;
const savedEnv = { ...process.env };

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  server = createServer((request, response) => {
    void readBody(request).then((text) => {
      received.push({
        method: request.method,
        url: request.url,
        httpVersion: request.httpVersion,
        body: JSON.parse(text) as Record<string, unknown>,
      });
      reply(response);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: `http://127.0.0.1:${port}`,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});

afterAll(async () => {
  process.env = savedEnv;
  server.close();
  await once(server, 'close');
});

beforeEach(() => {
  received = [];
});

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return (response: ServerResponse) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };
}

const request: ConverseRequest = {
  modelId: 'us.anthropic.claude-3-5-haiku-20241022-v1:0',
  system: [{ text: 'You triage refunds.' }],
  messages: [
    { role: 'user', content: [{ text: 'Case: ...' }] },
    {
      role: 'assistant',
      content: [{ toolUse: { toolUseId: 't1', name: 'wireMoney', input: { amount: 5 } } }],
    },
    {
      role: 'user',
      content: [
        { toolResult: { toolUseId: 't1', content: [{ text: 'not a tool' }], status: 'error' } },
        { text: 'Answer again.' },
      ],
    },
  ],
  inferenceConfig: { maxTokens: 512, temperature: 0 },
  toolConfig: {
    tools: [
      {
        toolSpec: {
          name: 'finish',
          description: 'Finish.',
          inputSchema: { json: { type: 'object', properties: { summary: { type: 'string' } } } },
        },
      },
    ],
    toolChoice: { any: {} },
  },
  requestMetadata: { workflowId: 'refund-triage', runId: 'run-1' },
};

describe('BedrockModel', () => {
  it('sends Converse to the endpoint AWS_ENDPOINT_URL_BEDROCK_RUNTIME names, over HTTP/1.1', async () => {
    reply = json(200, {
      output: {
        message: {
          role: 'assistant',
          content: [
            { text: 'Done.' },
            { reasoningContent: { reasoningText: { text: 'hidden' } } },
            { toolUse: { toolUseId: 't2', name: 'finish', input: { summary: 'ok' } } },
          ],
        },
      },
      stopReason: 'tool_use',
      usage: { inputTokens: 120, outputTokens: 30, totalTokens: 150 },
      metrics: { latencyMs: 321 },
    });
    const model = new BedrockModel(createBedrockRuntimeClient());

    const response = await model.converse(request);

    expect(received).toHaveLength(1);
    const [call] = received;
    expect(call?.httpVersion).toBe('1.1');
    expect(call?.method).toBe('POST');
    expect(call?.url).toBe(`/model/${encodeURIComponent(request.modelId)}/converse`);
    expect(call?.body).toMatchObject({
      system: [{ text: 'You triage refunds.' }],
      inferenceConfig: { maxTokens: 512, temperature: 0 },
      toolConfig: { toolChoice: { any: {} } },
      requestMetadata: { workflowId: 'refund-triage', runId: 'run-1' },
    });
    expect(call?.body.messages).toEqual([
      { role: 'user', content: [{ text: 'Case: ...' }] },
      {
        role: 'assistant',
        content: [{ toolUse: { toolUseId: 't1', name: 'wireMoney', input: { amount: 5 } } }],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 't1', content: [{ text: 'not a tool' }], status: 'error' } },
          { text: 'Answer again.' },
        ],
      },
    ]);
    expect(response).toEqual({
      output: {
        message: {
          role: 'assistant',
          content: [
            { text: 'Done.' },
            { toolUse: { toolUseId: 't2', name: 'finish', input: { summary: 'ok' } } },
          ],
        },
      },
      stopReason: 'tool_use',
      usage: { inputTokens: 120, outputTokens: 30, totalTokens: 150 },
      metrics: { latencyMs: 321 },
    });
  });

  it('sends cache points in the system prompt and messages, and reads the cache token counts back', async () => {
    reply = json(200, {
      output: { message: { role: 'assistant', content: [{ text: 'Done.' }] } },
      stopReason: 'end_turn',
      usage: {
        inputTokens: 40,
        outputTokens: 10,
        totalTokens: 4650,
        cacheReadInputTokens: 4200,
        cacheWriteInputTokens: 400,
      },
    });
    const model = new BedrockModel(createBedrockRuntimeClient());

    const response = await model.converse({
      ...request,
      system: [{ text: 'You triage refunds.' }, { cachePoint: { type: 'default' } }],
      messages: [{ role: 'user', content: [{ text: 'Case: ...' }, { cachePoint: { type: 'default' } }] }],
    });

    expect(received[0]?.body.system).toEqual([
      { text: 'You triage refunds.' },
      { cachePoint: { type: 'default' } },
    ]);
    expect(received[0]?.body.messages).toEqual([
      { role: 'user', content: [{ text: 'Case: ...' }, { cachePoint: { type: 'default' } }] },
    ]);
    expect(response.usage).toEqual({
      inputTokens: 40,
      outputTokens: 10,
      totalTokens: 4650,
      cacheReadInputTokens: 4200,
      cacheWriteInputTokens: 400,
    });
  });

  it('fails naming the field when a cache token count is not a count', async () => {
    reply = json(200, {
      output: { message: { role: 'assistant', content: [{ text: 'hi' }] } },
      stopReason: 'end_turn',
      usage: { inputTokens: 1, outputTokens: 1, cacheReadInputTokens: -3 },
    });
    const model = new BedrockModel(createBedrockRuntimeClient());

    await expect(model.converse(request)).rejects.toThrow(/usage\.cacheReadInputTokens: /);
  });

  it('lets a throttled call fail as ThrottlingException so the state machine can retry it by name', async () => {
    reply = json(429, { message: 'Too many requests' }, { 'x-amzn-errortype': 'ThrottlingException' });
    // One attempt: the SDK's own retries would only slow the test down.
    const model = new BedrockModel(createBedrockRuntimeClient({ maxAttempts: 1 }));

    await expect(model.converse(request)).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(received).toHaveLength(1);
  });

  it('fails naming the field when the endpoint answers without usage', async () => {
    reply = json(200, {
      output: { message: { role: 'assistant', content: [{ text: 'hi' }] } },
      stopReason: 'end_turn',
    });
    const model = new BedrockModel(createBedrockRuntimeClient());

    const failure = model.converse(request);
    await expect(failure).rejects.toBeInstanceOf(ModelResponseError);
    await expect(failure).rejects.toThrow(/usage: /);
  });

  it('builds no log entries without a logger, and logs each call to a logger it is given', async () => {
    const answer = {
      output: { message: { role: 'assistant', content: [{ text: 'Done.' }] } },
      stopReason: 'end_turn',
      usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
    };
    reply = json(200, answer);
    const silent = createBedrockRuntimeClient();
    expect(silent.middlewareStack.identify().join(' ')).not.toContain('loggerMiddleware');
    await new BedrockModel(silent).converse(request);

    const info = jest.fn();
    const logger = { debug: jest.fn(), info, warn: jest.fn(), error: jest.fn() };
    const logged = createBedrockRuntimeClient({ logger });
    await new BedrockModel(logged).converse(request);

    expect(received).toHaveLength(2);
    expect(info).toHaveBeenCalledWith(expect.objectContaining({ commandName: 'ConverseCommand' }));
  });
});
