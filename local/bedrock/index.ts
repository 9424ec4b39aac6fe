/**
 * The Bedrock stand-in: a Converse endpoint (`server.ts`) answering with
 * deterministic stand-in models (`models.ts`) in Bedrock's terms (`converse.ts`),
 * prompt cache included (`prompt-cache.ts`).
 */
export {
  BEDROCK_ERROR_STATUS,
  BedrockServiceError,
  type ConverseBody,
  type ConverseModels,
  type ConverseOptions,
  converseOperation,
} from './converse.js';
export { importModel, LocalModelLoadError, loadPackModels, MODEL_SCRIPT_VARIABLE } from './models.js';
export { LocalPromptCache, MAX_CACHE_POINTS, PROMPT_CACHE_TTL_MS } from './prompt-cache.js';
export { type LocalBedrock, type LocalBedrockOptions, startLocalBedrock } from './server.js';
