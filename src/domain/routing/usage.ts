import type { JsonObject, Usage } from './types.ts';

/**
 * Completion tokens without a tokenizer: ~4 characters per token is OpenAI's published rule of thumb for English
 * ("What are tokens and how to count them?", help.openai.com). Used only when the upstream reported no usage
 * (cut or aborted streams), and flagged as an estimate in the audit event; the prompt side comes from the call's
 * own estimate, made once at the route boundary.
 */
export function estimateTokensFromChars(chars: number): number {
  return chars <= 0 ? 0 : Math.ceil(chars / 4);
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0;
}

export function makeUsage(promptTokens: number, completionTokens: number): Usage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

function detail(details: unknown, field: string): number | undefined {
  if (details === null || typeof details !== 'object') return undefined;
  const value = (details as JsonObject)[field];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}

/**
 * Sets the cache-read and reasoning subsets on `usage` when the upstream reported them, each capped by its total
 * (a subset larger than its whole is an upstream slip, never more tokens to bill). Shared by the chat and
 * Responses readers, whose detail objects differ only in name.
 */
export function withDetails(usage: Usage, inputDetails: unknown, outputDetails: unknown): Usage {
  const cached = detail(inputDetails, 'cached_tokens');
  if (cached !== undefined && cached > 0) usage.cache_read_tokens = Math.min(cached, usage.prompt_tokens);
  const reasoning = detail(outputDetails, 'reasoning_tokens');
  if (reasoning !== undefined && reasoning > 0) usage.reasoning_tokens = Math.min(reasoning, usage.completion_tokens);
  return usage;
}

/**
 * Reads an OpenAI `usage` object, with `prompt_tokens_details.cached_tokens` and
 * `completion_tokens_details.reasoning_tokens` when present; null when absent or not an object.
 */
export function readOpenAIUsage(value: unknown): Usage | null {
  if (value === null || typeof value !== 'object') return null;
  const usage = value as JsonObject;
  const prompt = count(usage.prompt_tokens);
  const completion = count(usage.completion_tokens);
  const total = count(usage.total_tokens);
  return withDetails(
    { prompt_tokens: prompt, completion_tokens: completion, total_tokens: Math.max(total, prompt + completion) },
    usage.prompt_tokens_details,
    usage.completion_tokens_details,
  );
}

/** Reads Ollama's final-message counters (`prompt_eval_count`, `eval_count`); null when neither is present. */
export function readOllamaUsage(body: JsonObject): Usage | null {
  if (body.prompt_eval_count === undefined && body.eval_count === undefined) return null;
  return makeUsage(count(body.prompt_eval_count), count(body.eval_count));
}
