import type { JsonObject, Usage } from '../types.ts';
import { isObject } from './shared.ts';

/**
 * What both translation directions between OpenAI chat and Anthropic Messages share: stop reasons and usage.
 * Anthropic reports input tokens in three disjoint counts (uncached, cache writes, cache reads: "Prompt caching",
 * docs.anthropic.com); chat reports one total with the cached part as a detail. `Usage.prompt_tokens` is the total.
 */

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0;
}

/** Anthropic `usage` → Usage, cache writes and reads included in the prompt total; null when absent. */
export function readAnthropicUsage(value: unknown): Usage | null {
  if (!isObject(value)) return null;
  const cacheWrite = count(value.cache_creation_input_tokens);
  const cacheRead = count(value.cache_read_input_tokens);
  const prompt = count(value.input_tokens) + cacheWrite + cacheRead;
  const completion = count(value.output_tokens);
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (cacheRead > 0) usage.cache_read_tokens = cacheRead;
  if (cacheWrite > 0) usage.cache_write_tokens = cacheWrite;
  return usage;
}

/** Chat `usage` → Anthropic's shape: the cached part of the prompt leaves `input_tokens` for its own field. */
export function chatUsageToAnthropic(usage: unknown): JsonObject {
  const source = isObject(usage) ? usage : {};
  const details = isObject(source.prompt_tokens_details) ? source.prompt_tokens_details : {};
  const prompt = count(source.prompt_tokens);
  const cached = Math.min(prompt, count(details.cached_tokens));
  return {
    input_tokens: prompt - cached,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
    output_tokens: count(source.completion_tokens),
  };
}

/** Anthropic `usage` → chat's shape: every input token in `prompt_tokens`, cache reads as `cached_tokens`. */
export function anthropicUsageToChat(usage: unknown): JsonObject {
  const read = readAnthropicUsage(usage);
  const prompt = read?.prompt_tokens ?? 0;
  const completion = read?.completion_tokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: read?.cache_read_tokens ?? 0 },
  };
}

/** Chat finish reasons → Anthropic stop reasons; chat does not say which stop sequence matched, so none is named. */
export function toAnthropicStopReason(finishReason: unknown): string {
  switch (finishReason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/** Anthropic stop reasons → chat finish reasons (`pause_turn` is a server-tool pause: the turn ended for now). */
export function toChatFinishReason(stopReason: unknown): string {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/** An Anthropic SSE event: the `event:` line names the type the data repeats (Messages API, "Streaming"). */
export function encodeAnthropicEvent(payload: JsonObject & { type: string }): Buffer {
  return Buffer.from(`event: ${payload.type}\ndata: ${JSON.stringify(payload)}\n\n`);
}
