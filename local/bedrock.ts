/**
 * A Bedrock Runtime Converse-compatible endpoint, answered by deterministic
 * stand-ins for the model: each workflow pack's `local-model.ts`, chosen by
 * the `requestMetadata.workflowId` the Plan step sends, or one ES module named
 * by `AWF_MODEL_SCRIPT` for every workflow.
 *
 * The unmodified `@aws-sdk/client-bedrock-runtime` reaches it through
 * `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, over HTTP/1.1 or HTTP/2 (its default).
 * Errors travel in Bedrock's wire format (status, `x-amzn-errortype`,
 * `{ "message" }`), so the client raises the same named exceptions
 * (`ThrottlingException`, `ValidationException`, ...) as the real service.
 */
import { existsSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { AwfError } from '../core/errors.js';
import type { ConverseRequest, ConverseResponse, LocalModel } from '../core/model/model.js';
import { discoverWorkflowPacks, WORKFLOWS_DIR } from '../workflows/discover.js';
import {
  type LoopbackRequest,
  type LoopbackResponse,
  RequestTooLargeError,
  readBody,
  startLoopbackServer,
} from './loopback-server.js';
import type { LocalService } from './ports.js';

/** The environment variable naming a model script that answers for every workflow. */
export const MODEL_SCRIPT_VARIABLE = 'AWF_MODEL_SCRIPT';

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

/** The model script or a pack's `local-model.ts` cannot be loaded. */
export class LocalModelLoadError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalModelLoadError';
  }
}

const text = z.object({ text: z.string() });
const contentBlock = z.union([
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
const message = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.array(contentBlock).min(1, 'expected at least one content block'),
});

/**
 * The Converse request body the local endpoint accepts: what awf's Plan step
 * sends, in Bedrock's shape. Fields the stand-in models do not read (images,
 * guardrails, prompt caching) are outside it and answered with a
 * ValidationException rather than silently ignored.
 */
const converseBodySchema = z.object({
  messages: z.array(message).min(1, 'expected at least one message'),
  system: z.array(text).default([]),
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
  output: z.object({ message: message.extend({ role: z.literal('assistant') }) }),
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

/** How to start the local Bedrock endpoint. */
export interface LocalBedrockOptions {
  /**
   * TCP port on 127.0.0.1.
   * @default 0 - any free port; read it back from `endpoint`
   */
  readonly port?: number;
  /**
   * Path of an ES module whose default export (a {@link LocalModel}) answers for every workflow.
   * @default - the `AWF_MODEL_SCRIPT` environment variable; when unset, each pack's `local-model.ts`
   */
  readonly modelScript?: string;
  /**
   * Stand-in models by workflow id, instead of loading them from the packs.
   * @default - each pack's `local-model.ts` under `workflowsDir`
   */
  readonly models?: Readonly<Record<string, LocalModel>>;
  /**
   * Where the workflow packs are.
   * @default - the repository's `workflows/`
   */
  readonly workflowsDir?: string;
}

/** The running endpoint. */
export interface LocalBedrock extends LocalService {
  readonly port: number;
  /** Workflows with a stand-in model, or `*` when a model script answers for all. */
  readonly workflows: readonly string[];
  /** Converse requests received so far per workflow id (failed ones included, invalid bodies not). */
  requestCounts(): Record<string, number>;
}

/** Limit on a request body; Bedrock's own limits are well below it. */
const MAX_BODY_BYTES = 20 * 1024 * 1024;
const CONVERSE_PATH = /^\/model\/([^/]+)\/converse$/;

function problemsOf(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.map(String).join('.') || '(body)'}: ${issue.message}`)
    .join('; ');
}

async function importDefault(path: string, what: string): Promise<LocalModel> {
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(resolvePath(path)).href)) as { default?: unknown };
  } catch (cause) {
    throw new LocalModelLoadError(`${what} ${path} could not be loaded: ${String(cause)}`, { cause });
  }
  if (typeof module.default !== 'function') {
    throw new LocalModelLoadError(
      `${what} ${path} must default-export a function (body, modelId) => Converse response, got ${typeof module.default}`,
    );
  }
  return module.default as LocalModel;
}

/** Loads each pack's `local-model.ts`; packs without one are left out. */
async function loadPackModels(workflowsDir: string): Promise<Record<string, LocalModel>> {
  const packs = await discoverWorkflowPacks(workflowsDir);
  const models: Record<string, LocalModel> = {};
  for (const { dir, pack } of packs) {
    const path = join(dir, 'local-model.ts');
    if (existsSync(path))
      models[pack.spec.id] = await importDefault(path, `the local model of "${pack.spec.id}"`);
  }
  return models;
}

function sendJson(
  response: LoopbackResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

function sendError(response: LoopbackResponse, error: BedrockServiceError): void {
  sendJson(response, error.statusCode, { message: error.message }, { 'x-amzn-errortype': error.code });
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
 * Starts the Converse endpoint on 127.0.0.1.
 *
 * @throws LocalModelLoadError when the model script or a pack's `local-model.ts`
 *   cannot be imported or does not default-export a function.
 * @example
 * const bedrock = await startLocalBedrock({});
 * // functions get AWS_ENDPOINT_URL_BEDROCK_RUNTIME=bedrock.endpoint
 * await bedrock.stop();
 */
export async function startLocalBedrock(options: LocalBedrockOptions = {}): Promise<LocalBedrock> {
  const scriptPath = options.modelScript ?? process.env[MODEL_SCRIPT_VARIABLE];
  const script = scriptPath ? await importDefault(scriptPath, MODEL_SCRIPT_VARIABLE) : undefined;
  const models = script
    ? {}
    : (options.models ?? (await loadPackModels(options.workflowsDir ?? WORKFLOWS_DIR)));
  const counts: Record<string, number> = {};

  const converse = async (modelId: string, rawBody: Buffer): Promise<ConverseResponse> => {
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
      usage: { ...usage, totalTokens: usage.totalTokens ?? usage.inputTokens + usage.outputTokens },
      metrics: response.data.metrics ?? { latencyMs: Math.round(performance.now() - started) },
    };
  };

  const handler = async (request: LoopbackRequest, response: LoopbackResponse): Promise<void> => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const match = CONVERSE_PATH.exec(path);
    if (request.method !== 'POST' || !match?.[1]) {
      sendError(
        response,
        new BedrockServiceError(
          'ValidationException',
          `the local Bedrock endpoint serves only POST /model/{modelId}/converse, got ${request.method} ${path}`,
        ),
      );
      return;
    }
    try {
      const body = await readBody(request, MAX_BODY_BYTES);
      sendJson(response, 200, await converse(decodeURIComponent(match[1]), body));
    } catch (error) {
      if (error instanceof BedrockServiceError) sendError(response, error);
      else if (error instanceof RequestTooLargeError) {
        sendError(response, new BedrockServiceError('ValidationException', error.message));
      } else throw error;
    }
  };

  const server = await startLoopbackServer(handler, options.port ?? 0);
  return {
    name: 'bedrock',
    endpoint: server.endpoint,
    port: server.port,
    workflows: script ? ['*'] : Object.keys(models).sort(),
    requestCounts: () => ({ ...counts }),
    stop: () => server.close(),
  };
}
