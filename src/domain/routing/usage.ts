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

/** Reads an OpenAI `usage` object; null when absent or not an object. */
export function readOpenAIUsage(value: unknown): Usage | null {
  if (value === null || typeof value !== 'object') return null;
  const usage = value as JsonObject;
  const prompt = count(usage.prompt_tokens);
  const completion = count(usage.completion_tokens);
  const total = count(usage.total_tokens);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: Math.max(total, prompt + completion) };
}

/** Reads Ollama's final-message counters (`prompt_eval_count`, `eval_count`); null when neither is present. */
export function readOllamaUsage(body: JsonObject): Usage | null {
  if (body.prompt_eval_count === undefined && body.eval_count === undefined) return null;
  return makeUsage(count(body.prompt_eval_count), count(body.eval_count));
}
