/**
 * The model port over Amazon Bedrock's Converse API.
 *
 * Requests map 1:1 onto `ConverseCommand`. Responses come from outside the
 * process and are parsed with zod before anything reads them; content blocks
 * awf does not use (reasoning, citations, ...) are dropped. An answer saying
 * the model can never serve this caller (end of life, access denied, unknown
 * id) becomes a `ModelUnavailableError` naming the model and the fix; other
 * Bedrock errors propagate unchanged so the state machine can retry
 * `ThrottlingException` and its kin by name.
 */
import {
  type ContentBlock as BedrockContentBlock,
  type Message as BedrockMessage,
  BedrockRuntimeClient,
  type BedrockRuntimeClientConfig,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseCommandOutput,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import * as z from 'zod';
import { AwfError } from '../core/errors.js';
import type {
  ContentBlock,
  ConverseRequest,
  ConverseResponse,
  Message,
  ModelPort,
} from '../core/model/model.js';
import { modelUnavailableFrom } from '../core/model/unavailable.js';
import { withoutDiscardedLogging } from './aws-clients.js';

/** Bedrock answered with something that is not a Converse response awf can read. */
export class ModelResponseError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelResponseError';
  }
}

/** A request holds a value Bedrock cannot carry as a JSON document (a tool input replayed for repair). */
export class ModelRequestError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelRequestError';
  }
}

/**
 * A Bedrock Runtime client for Lambda and the local cloud.
 *
 * The endpoint follows the SDK's standard configuration, so
 * `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` redirects it to a local Converse endpoint.
 * The SDK would otherwise speak HTTP/2 to the endpoint, which plain HTTP/1.1
 * servers (the local cloud's) cannot answer; an HTTP/1.1 handler works with
 * both them and Bedrock. Each command's middleware is resolved once
 * (`cacheMiddleware`), and without a `logger` the SDK's logger middleware is
 * left out (see {@link withoutDiscardedLogging}).
 *
 * @param config - settings to add or override (e.g. `maxAttempts`, `logger`)
 */
export function createBedrockRuntimeClient(config: BedrockRuntimeClientConfig = {}): BedrockRuntimeClient {
  const client = new BedrockRuntimeClient({
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000 }),
    cacheMiddleware: true,
    ...config,
  });
  return config.logger === undefined ? withoutDiscardedLogging(client) : client;
}

const toolUseSchema = z.object({
  toolUseId: z.string().min(1),
  name: z.string().min(1),
  input: z.json(),
});

const responseSchema = z.object({
  output: z.object({
    message: z.object({
      role: z.enum(['user', 'assistant']),
      content: z.array(z.record(z.string(), z.unknown())),
    }),
  }),
  stopReason: z.string().min(1),
  usage: z.object({
    inputTokens: z.number().int().min(0),
    outputTokens: z.number().int().min(0),
    totalTokens: z.number().int().min(0).optional(),
    cacheReadInputTokens: z.number().int().min(0).optional(),
    cacheWriteInputTokens: z.number().int().min(0).optional(),
  }),
  metrics: z.object({ latencyMs: z.number().min(0) }).optional(),
});

const jsonDocument = z.json();

function toBedrockBlock(block: ContentBlock): BedrockContentBlock {
  if ('text' in block) return { text: block.text };
  if ('cachePoint' in block) return { cachePoint: { type: block.cachePoint.type } };
  if ('toolUse' in block) {
    const input = jsonDocument.safeParse(block.toolUse.input);
    if (!input.success) {
      throw new ModelRequestError(
        `tool call "${block.toolUse.toolUseId}" (${block.toolUse.name}) has an input that is not JSON`,
        { cause: input.error },
      );
    }
    return { toolUse: { toolUseId: block.toolUse.toolUseId, name: block.toolUse.name, input: input.data } };
  }
  const { toolUseId, content, status } = block.toolResult;
  return {
    toolResult: {
      toolUseId,
      content: content.map((item) => ({ text: item.text })),
      ...(status === undefined ? {} : { status }),
    },
  };
}

function toBedrockMessage(message: Message): BedrockMessage {
  return { role: message.role, content: message.content.map(toBedrockBlock) };
}

/** Maps awf's Converse request onto the SDK's command input. */
export function toConverseCommandInput(request: ConverseRequest): ConverseCommandInput {
  return {
    modelId: request.modelId,
    system: request.system.map((block) =>
      'cachePoint' in block ? { cachePoint: { type: block.cachePoint.type } } : { text: block.text },
    ),
    messages: request.messages.map(toBedrockMessage),
    inferenceConfig: {
      maxTokens: request.inferenceConfig.maxTokens,
      temperature: request.inferenceConfig.temperature,
    },
    toolConfig: {
      tools: request.toolConfig.tools.map(({ toolSpec }) => ({
        toolSpec: {
          name: toolSpec.name,
          description: toolSpec.description,
          inputSchema: { json: jsonDocumentOf(toolSpec.inputSchema.json, `tool "${toolSpec.name}" schema`) },
        },
      })),
      ...(request.toolConfig.toolChoice ? { toolChoice: { any: {} } } : {}),
    },
    ...(request.requestMetadata ? { requestMetadata: { ...request.requestMetadata } } : {}),
  };
}

function jsonDocumentOf(value: unknown, what: string) {
  const parsed = jsonDocument.safeParse(value);
  if (!parsed.success) throw new ModelRequestError(`${what} is not JSON`, { cause: parsed.error });
  return parsed.data;
}

/**
 * Parses a Converse command output into awf's response shape.
 * @throws ModelResponseError naming the field that is missing or malformed.
 */
export function fromConverseCommandOutput(output: ConverseCommandOutput): ConverseResponse {
  const parsed = responseSchema.safeParse(output);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new ModelResponseError(`Bedrock returned an unreadable Converse response: ${problems.join('; ')}`, {
      cause: parsed.error,
    });
  }
  const { output: out, stopReason, usage, metrics } = parsed.data;
  const content: ContentBlock[] = [];
  for (const [index, block] of out.message.content.entries()) {
    if (typeof block.text === 'string') {
      content.push({ text: block.text });
    } else if (block.toolUse !== undefined) {
      const toolUse = toolUseSchema.safeParse(block.toolUse);
      if (!toolUse.success) {
        throw new ModelResponseError(
          `Bedrock returned a malformed tool call at output.message.content.${index}: ${toolUse.error.issues
            .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
            .join('; ')}`,
          { cause: toolUse.error },
        );
      }
      content.push({ toolUse: toolUse.data });
    }
    // Other block kinds (reasoning, citations, ...) are not part of awf's protocol.
  }
  return {
    output: { message: { role: out.message.role, content } },
    stopReason,
    usage,
    ...(metrics ? { metrics } : {}),
  };
}

/**
 * A {@link ModelPort} that calls Bedrock's Converse API.
 *
 * @example
 * const model = new BedrockModel(createBedrockRuntimeClient()); // once, at cold start
 * const response = await model.converse(request);
 */
export class BedrockModel implements ModelPort {
  constructor(private readonly client: BedrockRuntimeClient) {}

  /**
   * Sends one Converse request.
   * @throws ModelUnavailableError when Bedrock says the model cannot serve this caller at all.
   * @throws Bedrock's other errors unchanged (`ThrottlingException`, ...).
   */
  async converse(request: ConverseRequest): Promise<ConverseResponse> {
    let output: ConverseCommandOutput;
    try {
      output = await this.client.send(new ConverseCommand(toConverseCommandInput(request)));
    } catch (error) {
      throw modelUnavailableFrom(error, request.modelId) ?? error;
    }
    return fromConverseCommandOutput(output);
  }
}
