import type { JsonObject, Usage } from '../types.ts';
import { readOpenAIUsage } from '../usage.ts';
import {
  asArray,
  contentText,
  decodeEmbeddingBase64,
  imageDataUrl,
  isObject,
  nanosSince,
  parseArguments,
  type TranslateContext,
  toOllamaDoneReason,
} from './shared.ts';

/**
 * Ollama-native client requests served by an OpenAI-compatible upstream, and the responses turned back into
 * Ollama shapes. `/api/generate` becomes a chat completion: many OpenAI-compatible servers (and OpenAI itself
 * for current models) no longer serve the legacy `/v1/completions`.
 */

function ollamaOptionsToOpenAI(options: unknown, out: JsonObject): void {
  if (!isObject(options)) return;
  for (const field of ['temperature', 'top_p', 'seed', 'presence_penalty', 'frequency_penalty']) {
    if (typeof options[field] === 'number') out[field] = options[field];
  }
  if (typeof options.num_predict === 'number' && options.num_predict >= 0) out.max_tokens = options.num_predict;
  if (Array.isArray(options.stop) && options.stop.length > 0) out.stop = options.stop;
}

function responseFormatFromFormat(format: unknown): JsonObject | undefined {
  if (format === 'json') return { type: 'json_object' };
  if (isObject(format)) return { type: 'json_schema', json_schema: { name: 'response', schema: format } };
  return undefined;
}

function userContent(text: string, images: unknown): unknown {
  const list = asArray(images).filter((image): image is string => typeof image === 'string');
  if (list.length === 0) return text;
  return [
    { type: 'text', text },
    ...list.map((image) => ({ type: 'image_url', image_url: { url: imageDataUrl(image) } })),
  ];
}

/**
 * Ollama tool results carry no call id; OpenAI requires one matching the assistant's call. Ids are assigned
 * per assistant turn in order, and the n-th tool message after it answers the n-th call.
 */
function ollamaMessagesToOpenAI(messages: unknown, requestId: string): JsonObject[] {
  const out: JsonObject[] = [];
  let pendingIds: string[] = [];
  let turn = 0;
  for (const raw of asArray(messages)) {
    const message = isObject(raw) ? raw : {};
    const text = typeof message.content === 'string' ? message.content : contentText(message.content);
    if (message.role === 'tool') {
      out.push({ role: 'tool', content: text, tool_call_id: pendingIds.shift() ?? `call_${requestId}_orphan` });
      continue;
    }
    const converted: JsonObject = { role: message.role, content: userContent(text, message.images) };
    const calls = asArray(message.tool_calls).filter(isObject);
    if (calls.length > 0) {
      turn += 1;
      pendingIds = calls.map((_, index) => `call_${requestId}_${turn}_${index}`);
      converted.tool_calls = calls.map((call, index) => {
        const fn = isObject(call.function) ? call.function : {};
        return {
          id: pendingIds[index],
          type: 'function',
          function: { name: fn.name, arguments: JSON.stringify(fn.arguments ?? {}) },
        };
      });
    }
    out.push(converted);
  }
  return out;
}

function finishChatBody(out: JsonObject, source: JsonObject, stream: boolean): JsonObject {
  if (stream) out.stream_options = { include_usage: true };
  ollamaOptionsToOpenAI(source.options, out);
  const responseFormat = responseFormatFromFormat(source.format);
  if (responseFormat !== undefined) out.response_format = responseFormat;
  return out;
}

export function ollamaChatToOpenAIChat(body: JsonObject, ctx: TranslateContext, stream: boolean): JsonObject {
  const out: JsonObject = {
    model: ctx.upstreamModel,
    messages: ollamaMessagesToOpenAI(body.messages, ctx.requestId),
    stream,
  };
  if (Array.isArray(body.tools)) out.tools = body.tools;
  return finishChatBody(out, body, stream);
}

export function ollamaGenerateToOpenAIChat(body: JsonObject, ctx: TranslateContext, stream: boolean): JsonObject {
  const messages: JsonObject[] = [];
  if (typeof body.system === 'string' && body.system.length > 0)
    messages.push({ role: 'system', content: body.system });
  messages.push({
    role: 'user',
    content: userContent(typeof body.prompt === 'string' ? body.prompt : '', body.images),
  });
  return finishChatBody({ model: ctx.upstreamModel, messages, stream }, body, stream);
}

export function ollamaEmbedToOpenAIEmbeddings(body: JsonObject, ctx: TranslateContext): JsonObject {
  const out: JsonObject = { model: ctx.upstreamModel, input: body.input, encoding_format: 'float' };
  if (typeof body.dimensions === 'number') out.dimensions = body.dimensions;
  return out;
}

export function ollamaLegacyEmbeddingsToOpenAI(body: JsonObject, ctx: TranslateContext): JsonObject {
  return {
    model: ctx.upstreamModel,
    input: typeof body.prompt === 'string' ? body.prompt : '',
    encoding_format: 'float',
  };
}

function ollamaCounters(usage: Usage | null, ctx: TranslateContext): JsonObject {
  return {
    total_duration: nanosSince(ctx.startedAt, ctx.now()),
    load_duration: 0,
    prompt_eval_count: usage?.prompt_tokens ?? 0,
    prompt_eval_duration: 0,
    eval_count: usage?.completion_tokens ?? 0,
    eval_duration: 0,
  };
}

function firstChoice(body: JsonObject): JsonObject {
  const choice = asArray(body.choices)[0];
  return isObject(choice) ? choice : {};
}

export function openAIChatToOllamaChat(body: JsonObject, ctx: TranslateContext): JsonObject {
  const choice = firstChoice(body);
  const message = isObject(choice.message) ? choice.message : {};
  const outMessage: JsonObject = {
    role: 'assistant',
    content: typeof message.content === 'string' ? message.content : '',
  };
  if (typeof message.reasoning_content === 'string') outMessage.thinking = message.reasoning_content;
  const calls = asArray(message.tool_calls).filter(isObject);
  if (calls.length > 0) {
    outMessage.tool_calls = calls.map((call) => {
      const fn = isObject(call.function) ? call.function : {};
      return { function: { name: fn.name, arguments: parseArguments(fn.arguments) } };
    });
  }
  return {
    model: ctx.publicModel,
    created_at: new Date(ctx.now()).toISOString(),
    message: outMessage,
    done: true,
    done_reason: toOllamaDoneReason(choice.finish_reason),
    ...ollamaCounters(readOpenAIUsage(body.usage), ctx),
  };
}

export function openAIChatToOllamaGenerate(body: JsonObject, ctx: TranslateContext): JsonObject {
  const choice = firstChoice(body);
  const message = isObject(choice.message) ? choice.message : {};
  return {
    model: ctx.publicModel,
    created_at: new Date(ctx.now()).toISOString(),
    response: typeof message.content === 'string' ? message.content : '',
    done: true,
    done_reason: toOllamaDoneReason(choice.finish_reason),
    ...ollamaCounters(readOpenAIUsage(body.usage), ctx),
  };
}

function embeddingVectors(body: JsonObject): number[][] {
  const data = asArray(body.data).filter(isObject);
  data.sort((a, b) => Number(a.index ?? 0) - Number(b.index ?? 0));
  return data.map((item) =>
    typeof item.embedding === 'string' ? decodeEmbeddingBase64(item.embedding) : (asArray(item.embedding) as number[]),
  );
}

export function openAIEmbeddingsToOllamaEmbed(body: JsonObject, ctx: TranslateContext): JsonObject {
  const usage = readOpenAIUsage(body.usage);
  return {
    model: ctx.publicModel,
    embeddings: embeddingVectors(body),
    total_duration: nanosSince(ctx.startedAt, ctx.now()),
    load_duration: 0,
    prompt_eval_count: usage?.prompt_tokens ?? 0,
  };
}

export function openAIEmbeddingsToOllamaLegacy(body: JsonObject): JsonObject {
  return { embedding: embeddingVectors(body)[0] ?? [] };
}
