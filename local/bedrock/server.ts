/**
 * The Bedrock stand-in's endpoint: Bedrock Runtime's Converse API on
 * 127.0.0.1, answered by the stand-in models (see `models.ts`) through the
 * Converse operation (see `converse.ts`).
 *
 * The unmodified `@aws-sdk/client-bedrock-runtime` reaches it through
 * `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, over HTTP/1.1 or HTTP/2 (its default).
 * Errors travel in Bedrock's wire format (status, `x-amzn-errortype`,
 * `{ "message" }`), so the client raises the same named exceptions
 * (`ThrottlingException`, `ValidationException`, ...) as the real service.
 */
import type { LocalModel } from '../../core/model/model.js';
import { WORKFLOWS_DIR } from '../../workflows/discover.js';
import { systemTime } from '../clock/time-source.js';
import {
  type LoopbackRequest,
  type LoopbackResponse,
  RequestTooLargeError,
  readBody,
  startLoopbackServer,
} from '../http/loopback-server.js';
import type { LocalService } from '../ports.js';
import { BedrockServiceError, converseOperation } from './converse.js';
import { importModel, loadPackModels, MODEL_SCRIPT_VARIABLE } from './models.js';
import { LocalPromptCache } from './prompt-cache.js';

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
  /**
   * The local clock, which cached prompt prefixes expire on.
   * @default - the system clock
   */
  readonly clock?: () => Date;
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
  const script = scriptPath ? await importModel(scriptPath, MODEL_SCRIPT_VARIABLE) : undefined;
  const models = script
    ? {}
    : (options.models ?? (await loadPackModels(options.workflowsDir ?? WORKFLOWS_DIR)));
  const counts: Record<string, number> = {};

  const promptCache = new LocalPromptCache(options.clock ?? (() => systemTime.now()));
  const converse = converseOperation({ script, models }, counts, { promptCache });

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
