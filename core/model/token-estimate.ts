/**
 * The token count awf estimates where no tokenizer answers: the local
 * stand-in models' usage, and whether a prompt prefix is long enough to cache.
 */

/**
 * About four characters of JSON per token, like the tokenizers of the models
 * awf calls; at least 1. One estimate for every use, so a prefix judged long
 * enough to cache is judged the same by the local stand-in Bedrock.
 *
 * @example
 * estimateTokens({ text: 'hello' }); // 4 (16 characters of JSON)
 */
export function estimateTokens(value: unknown): number {
  return Math.max(1, Math.ceil((JSON.stringify(value) ?? '').length / 4));
}
