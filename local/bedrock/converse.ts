/**
 * Bedrock Runtime's Converse operation, answered by a stand-in model: the
 * request body checked against what awf's Plan step sends, the model chosen
 * by `requestMetadata.workflowId` (or the model script for all), its answer
 * checked as a Converse response, its usage with the prompt cache Bedrock
 * would have used (`prompt-cache.ts`), and failures as Bedrock's named errors.
 */
import * as z from 'zod';
import { AwfError } from '../../core/errors.js';
import type { ConverseRequest, ConverseResponse, LocalModel } from '../../core/model/model.js';
import { systemTime } from '../clock/time-source.js';
import { cachePointCount, LocalPromptCache, MAX_CACHE_POINTS } from './prompt-cache.js';

/** Bedrock Runtime's errors and the HTTP status each comes with. */
export const BEDROCK_ERROR_STATUS: Readonly<Record<string, number>> = {
  ValidationException: 400,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ModelTimeoutException: 408,
  ConflictException: 409,
  ModelErrorException: 424,
  ThrottlingException: 429,
  ModelNotReadyException: 429,
  ServiceQuotaExceededException: 400,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
};

/** An answer in Bedrock's error format; `code` is the exception name the SDK raises. */
export class BedrockServiceError extends AwfError {
  readonly statusCode: number;

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BedrockServiceError';
    this.statusCode = BEDROCK_ERROR_STATUS[code] ?? 500;
  }
}

const text = z.object({ text: z.string() });
const cachePoint = z.object({ cachePoint: z.object({ type: z.literal('default') }) });
const answerBlock = z.union([
  text,
  z.object({
    toolUse: z.object({ toolUseId: z.string().min(1), name: z.string().min(1), input: z.unknown() }),
  }),
  z.object({
    toolResult: z.object({
      toolUseId: z.string().min(1),
      content: z.array(text),
      status: z.enum(['success', 'error']).optional(),
    }),
  }),
]);
/** A block of a request's messages: an answer's blocks or a cache checkpoint. */
const requestBlock = z.union([answerBlock, cachePoint]);
const message = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.array(requestBlock).min(1, 'expected at least one content block'),
});
/** A model's answer; cache checkpoints belong to requests only. */
const answerMessage = z.object({
  role: z.literal('assistant'),
  content: z.array(answerBlock).min(1, 'expected at least one content block'),
});

/**
 * The Converse request body the local endpoint accepts: what awf's Plan step
 * sends, in Bedrock's shape, cache checkpoints in the system prompt and
 * messages included. Fields the stand-in models do not read (images,
 * guardrails, checkpoints among the tools) are outside it and answered with a
 * ValidationException rather than silently ignored.
 */
const converseBodySchema = z.object({
  messages: z.array(message).min(1, 'expected at least one message'),
  system: z.array(z.union([text, cachePoint])).default([]),
  inferenceConfig: z.object({
    maxTokens: z.number().int().min(1),
    temperature: z.number().min(0).max(1),
  }),
  toolConfig: z.object({
    tools: z
      .array(
        z.object({
          toolSpec: z.object({
            name: z
              .string()
              .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'expected a tool name of letters, digits, _ and -'),
            description: z.string().min(1),
            inputSchema: z.object({ json: z.record(z.string(), z.unknown()) }),
          }),
        }),
      )
      .min(1, 'expected at least one tool'),
    toolChoice: z.object({ any: z.record(z.string(), z.never()) }).optional(),
  }),
  requestMetadata: z.record(z.string(), z.string()).optional(),
});

const converseResponseSchema = z.object({
  output: z.object({ message: answerMessage }),
  stopReason: z.string().min(1),
  usage: z.object({
    inputTokens: z.number().int().min(0),
    outputTokens: z.number().int().min(0),
    totalTokens: z.number().int().min(0).optional(),
  }),
  metrics: z.object({ latencyMs: z.number().min(0) }).optional(),
});

/** The body a stand-in model receives: the Converse request without the model id (which is in the URL). */
export type ConverseBody = Omit<ConverseRequest, 'modelId'>;

/** The stand-ins a Converse request may be answered by. */
export interface ConverseModels {
  /** The model script: when set, it answers for every workflow. */
  readonly script?: LocalModel | undefined;
  /** Stand-in models by workflow id. */
  readonly models: Readonly<Record<string, LocalModel>>;
}

/** What else the Converse operation keeps. */
export interface ConverseOptions {
  /**
   * The prompt cache, which lives on the local clock.
   * @default - a cache of its own on the system clock
   */
  readonly promptCache?: LocalPromptCache;
}

function problemsOf(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.map(String).join('.') || '(body)'}: ${issue.message}`)
    .join('; ');
}

/** An error a model threw, as Bedrock would answer it: its own name when that is a Bedrock error. */
function asBedrockError(error: unknown, workflowId: string): BedrockServiceError {
  if (error instanceof BedrockServiceError) return error;
  const name = error instanceof Error ? error.name : '';
  const detail = error instanceof Error ? error.message : String(error);
  if (name in BEDROCK_ERROR_STATUS) return new BedrockServiceError(name, detail, { cause: error });
  return new BedrockServiceError(
    'InternalServerException',
    `the local model of "${workflowId}" failed: ${name || 'Error'}: ${detail}`,
    { cause: error },
  );
}

/**
 * The Converse operation over `models`: takes the model id (from the URL) and
 * the raw request body, resolves with the model's Converse response (usage
 * totalled and split by the prompt cache, latency measured when the model
 * gives none).
 *
 * @param counts incremented per workflow id for every request a model is chosen for.
 * @returns a function that rejects with a {@link BedrockServiceError} in Bedrock's terms.
 */
export function converseOperation(
  { script, models }: ConverseModels,
  counts: Record<string, number>,
  { promptCache = new LocalPromptCache(() => systemTime.now()) }: ConverseOptions = {},
): (modelId: string, rawBody: Buffer) => Promise<ConverseResponse> {
  return async (modelId: string, rawBody: Buffer): Promise<ConverseResponse> => {
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw new BedrockServiceError('ValidationException', 'the request body is not valid JSON');
    }
    const parsed = converseBodySchema.safeParse(json);
    if (!parsed.success) {
      throw new BedrockServiceError(
        'ValidationException',
        `invalid Converse request: ${problemsOf(parsed.error)}`,
      );
    }
    const body: ConverseBody = parsed.data;
    const cachePoints = cachePointCount(body);
    if (cachePoints > MAX_CACHE_POINTS) {
      throw new BedrockServiceError(
        'ValidationException',
        `invalid Converse request: expected at most ${MAX_CACHE_POINTS} cache points, got ${cachePoints}`,
      );
    }
    const workflowId = body.requestMetadata?.workflowId;
    if (!script && workflowId === undefined) {
      throw new BedrockServiceError(
        'ValidationException',
        "invalid Converse request: requestMetadata.workflowId is required to choose the workflow's local model",
      );
    }
    const key = workflowId ?? '(none)';
    const model = script ?? models[key];
    if (!model) {
      throw new BedrockServiceError(
        'ResourceNotFoundException',
        `no local model for workflow "${key}" (workflows with one: ${Object.keys(models).join(', ') || 'none'})`,
      );
    }
    counts[key] = (counts[key] ?? 0) + 1;
    const started = performance.now();
    let answer: unknown;
    try {
      answer = await model(body, modelId);
    } catch (error) {
      throw asBedrockError(error, key);
    }
    const response = converseResponseSchema.safeParse(answer);
    if (!response.success) {
      throw new BedrockServiceError(
        'InternalServerException',
        `the local model of "${key}" returned an invalid Converse response: ${problemsOf(response.error)}`,
      );
    }
    const { usage } = response.data;
    return {
      ...response.data,
      usage: promptCache.usageFor(modelId, body, {
        ...usage,
        totalTokens: usage.totalTokens ?? usage.inputTokens + usage.outputTokens,
      }),
      metrics: response.data.metrics ?? { latencyMs: Math.round(performance.now() - started) },
    };
  };
}
