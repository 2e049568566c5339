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

function details(value: unknown, name: string): number {
  return value !== null && typeof value === 'object' ? count((value as JsonObject)[name]) : 0;
}

/**
 * Reads an OpenAI `usage` object; null when absent or not an object. The cached part of the prompt
 * (`prompt_tokens_details.cached_tokens`) and the reasoning part of the completion
 * (`completion_tokens_details.reasoning_tokens`) are subsets, as `Usage` defines them.
 */
export function readOpenAIUsage(value: unknown): Usage | null {
  if (value === null || typeof value !== 'object') return null;
  const usage = value as JsonObject;
  const prompt = count(usage.prompt_tokens);
  const completion = count(usage.completion_tokens);
  const total = count(usage.total_tokens);
  const out: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: Math.max(total, prompt + completion),
  };
  const cached = Math.min(prompt, details(usage.prompt_tokens_details, 'cached_tokens'));
  const reasoning = Math.min(completion, details(usage.completion_tokens_details, 'reasoning_tokens'));
  if (cached > 0) out.cache_read_tokens = cached;
  if (reasoning > 0) out.reasoning_tokens = reasoning;
  return out;
}

/** Reads Ollama's final-message counters (`prompt_eval_count`, `eval_count`); null when neither is present. */
export function readOllamaUsage(body: JsonObject): Usage | null {
  if (body.prompt_eval_count === undefined && body.eval_count === undefined) return null;
  return makeUsage(count(body.prompt_eval_count), count(body.eval_count));
}
