import type { JsonObject, Usage } from './types.ts';

/**
 * Token counts without a tokenizer: ~4 characters per token is OpenAI's published rule of thumb for English
 * ("What are tokens and how to count them?", help.openai.com). Used only when the upstream reported no usage
 * (cut or aborted streams), and flagged as an estimate in the audit event.
 */
export function estimateTokensFromChars(chars: number): number {
  return chars <= 0 ? 0 : Math.ceil(chars / 4);
}

function textLength(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) {
    let total = 0;
    for (const item of value) total += textLength(item);
    return total;
  }
  if (value !== null && typeof value === 'object') {
    const part = value as JsonObject;
    if (typeof part.text === 'string') return part.text.length;
    if (typeof part.content === 'string' || Array.isArray(part.content)) return textLength(part.content);
  }
  return 0;
}

/** Counts the prompt side of any supported request shape (messages, prompt, system, input). */
export function estimatePromptTokens(body: JsonObject): number {
  let chars = 0;
  if (Array.isArray(body.messages)) {
    for (const message of body.messages) chars += textLength(message) + 4;
  }
  chars += textLength(body.prompt) + textLength(body.system) + textLength(body.input) + textLength(body.suffix);
  return estimateTokensFromChars(chars);
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
