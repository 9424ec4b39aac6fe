/**
 * Port: the model, in the shape of Bedrock's Converse API.
 *
 * `core/` may not import the AWS SDK, so these are the parts of the Converse
 * request and response that awf uses. The Bedrock adapter maps them 1:1 onto
 * `ConverseCommand`; the local cloud's stand-in model answers the same shape.
 */

/** A JSON value as tool inputs carry it. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * A prompt cache checkpoint: Bedrock caches the prompt up to here (tools,
 * then system, then messages) when the model caches prompts and the prefix
 * reaches the model's minimum (see `prompt-cache-models.ts`).
 */
export interface CachePoint {
  readonly cachePoint: { readonly type: 'default' };
}

/** A block of the system prompt: text, or a cache checkpoint after the text before it. */
export type SystemBlock = { readonly text: string } | CachePoint;

export type ContentBlock =
  | { readonly text: string }
  | CachePoint
  | { readonly toolUse: { readonly toolUseId: string; readonly name: string; readonly input: unknown } }
  | {
      readonly toolResult: {
        readonly toolUseId: string;
        readonly content: readonly { readonly text: string }[];
        readonly status?: 'success' | 'error';
      };
    };

export interface Message {
  readonly role: 'user' | 'assistant';
  readonly content: readonly ContentBlock[];
}

export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the tool input. */
  readonly inputSchema: { readonly json: Readonly<Record<string, unknown>> };
}

export interface ConverseRequest {
  readonly modelId: string;
  readonly system: readonly SystemBlock[];
  readonly messages: readonly Message[];
  readonly inferenceConfig: { readonly maxTokens: number; readonly temperature: number };
  readonly toolConfig: {
    /**
     * The tools. Bedrock also takes cache points here; awf puts its one after
     * the system prompt instead, which caches the tools as well, since the
     * cached prefix runs tools, system, messages.
     */
    readonly tools: readonly { readonly toolSpec: ToolSpec }[];
    readonly toolChoice?: { readonly any: Record<string, never> };
  };
  /** Bedrock's request metadata; awf sets `workflowId` and `runId` so invocation logs can be joined to runs. */
  readonly requestMetadata?: Readonly<Record<string, string>>;
}

export interface ConverseResponse {
  readonly output: { readonly message: Message };
  readonly stopReason: string;
  readonly usage: {
    /** Input tokens neither read from nor written to the prompt cache. */
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly totalTokens?: number;
    /** Input tokens read from the prompt cache; when Bedrock reports it. */
    readonly cacheReadInputTokens?: number;
    /** Input tokens written to the prompt cache; when Bedrock reports it. */
    readonly cacheWriteInputTokens?: number;
  };
  readonly metrics?: { readonly latencyMs: number };
}

/** Sends one Converse request. Errors keep their Bedrock names (`ThrottlingException`, ...). */
export interface ModelPort {
  converse(request: ConverseRequest): Promise<ConverseResponse>;
}

/**
 * A stand-in for the model that answers Converse requests deterministically.
 *
 * Each workflow pack's `local-model.ts` default-exports one; the local cloud's
 * Bedrock endpoint calls it with the request body (as sent over HTTP, without
 * the model id) and the model id from the URL. It may throw an error whose
 * `name` is a Bedrock error name (`ThrottlingException`, ...) to simulate one.
 */
export type LocalModel = (
  body: Omit<ConverseRequest, 'modelId'>,
  modelId: string,
) => ConverseResponse | Promise<ConverseResponse>;
