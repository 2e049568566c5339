import type { JsonObject } from '../types.ts';
import { makeUsage, readOllamaUsage } from '../usage.ts';
import {
  asArray,
  contentText,
  encodeEmbeddingBase64,
  isObject,
  parseArguments,
  type TranslateContext,
  toOpenAIFinishReason,
  toUnixSeconds,
} from './shared.ts';

/**
 * OpenAI-shaped client requests served by a native Ollama upstream (`/api/chat`, `/api/generate`, `/api/embed`),
 * and the Ollama responses turned back into OpenAI shapes. Fields Ollama has no equivalent for are dropped,
 * since Ollama rejects nothing but also honours nothing it does not know (ollama/ollama docs/api.md).
 */

const OPTION_FIELDS: ReadonlyArray<[string, string]> = [
  ['temperature', 'temperature'],
  ['top_p', 'top_p'],
  ['top_k', 'top_k'],
  ['seed', 'seed'],
  ['presence_penalty', 'presence_penalty'],
  ['frequency_penalty', 'frequency_penalty'],
];

export function openAIOptionsToOllama(body: JsonObject): JsonObject | undefined {
  const options: JsonObject = {};
  for (const [from, to] of OPTION_FIELDS) {
    if (typeof body[from] === 'number') options[to] = body[from];
  }
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (typeof maxTokens === 'number') options.num_predict = maxTokens;
  if (typeof body.stop === 'string') options.stop = [body.stop];
  else if (Array.isArray(body.stop)) options.stop = body.stop;
  return Object.keys(options).length > 0 ? options : undefined;
}

function formatFromResponseFormat(responseFormat: unknown): unknown {
  if (!isObject(responseFormat)) return undefined;
  if (responseFormat.type === 'json_object') return 'json';
  if (responseFormat.type === 'json_schema' && isObject(responseFormat.json_schema)) {
    return responseFormat.json_schema.schema;
  }
  return undefined;
}

/** Remote image URLs are dropped: Ollama takes inline base64 only, and fetching URLs here would be an SSRF. */
function openAIMessageToOllama(message: unknown): JsonObject {
  const source = isObject(message) ? message : {};
  const role = source.role === 'developer' ? 'system' : source.role;
  const out: JsonObject = { role, content: contentText(source.content) };
  const images: string[] = [];
  for (const part of asArray(source.content)) {
    if (!isObject(part) || part.type !== 'image_url') continue;
    const url = isObject(part.image_url) ? part.image_url.url : part.image_url;
    if (typeof url === 'string' && url.startsWith('data:')) images.push(url.slice(url.indexOf(',') + 1));
  }
  if (images.length > 0) out.images = images;
  const toolCalls = asArray(source.tool_calls).filter(isObject);
  if (toolCalls.length > 0) {
    out.tool_calls = toolCalls.map((call) => {
      const fn = isObject(call.function) ? call.function : {};
      return { function: { name: fn.name, arguments: parseArguments(fn.arguments) } };
    });
  }
  if (typeof source.name === 'string' && role === 'tool') out.tool_name = source.name;
  return out;
}

export function openAIChatToOllama(body: JsonObject, ctx: TranslateContext, stream: boolean): JsonObject {
  const out: JsonObject = {
    model: ctx.upstreamModel,
    messages: asArray(body.messages).map(openAIMessageToOllama),
    stream,
  };
  const options = openAIOptionsToOllama(body);
  if (options !== undefined) out.options = options;
  if (Array.isArray(body.tools)) out.tools = body.tools;
  const format = formatFromResponseFormat(body.response_format);
  if (format !== undefined) out.format = format;
  return out;
}

/** Ollama's generate takes one prompt; an OpenAI prompt array (a batch) is served by its first entry. */
export function openAICompletionToOllamaGenerate(body: JsonObject, ctx: TranslateContext, stream: boolean): JsonObject {
  const prompt = Array.isArray(body.prompt) ? body.prompt[0] : body.prompt;
  const out: JsonObject = { model: ctx.upstreamModel, prompt: typeof prompt === 'string' ? prompt : '', stream };
  if (typeof body.suffix === 'string') out.suffix = body.suffix;
  const options = openAIOptionsToOllama(body);
  if (options !== undefined) out.options = options;
  return out;
}

export function openAIEmbeddingsToOllamaEmbed(body: JsonObject, ctx: TranslateContext): JsonObject {
  const out: JsonObject = { model: ctx.upstreamModel, input: body.input };
  if (typeof body.dimensions === 'number') out.dimensions = body.dimensions;
  return out;
}

function usageOf(body: JsonObject) {
  return readOllamaUsage(body) ?? makeUsage(0, 0);
}

export function ollamaChatToOpenAI(body: JsonObject, ctx: TranslateContext): JsonObject {
  const message = isObject(body.message) ? body.message : {};
  const toolCalls = asArray(message.tool_calls).filter(isObject);
  const outMessage: JsonObject = {
    role: 'assistant',
    content: typeof message.content === 'string' ? message.content : '',
  };
  if (typeof message.thinking === 'string' && message.thinking.length > 0)
    outMessage.reasoning_content = message.thinking;
  if (toolCalls.length > 0) {
    outMessage.tool_calls = toolCalls.map((call, index) => {
      const fn = isObject(call.function) ? call.function : {};
      return {
        id: `call_${ctx.requestId}_${index}`,
        type: 'function',
        function: { name: fn.name, arguments: JSON.stringify(fn.arguments ?? {}) },
      };
    });
  }
  return {
    id: `chatcmpl-${ctx.requestId}`,
    object: 'chat.completion',
    created: toUnixSeconds(ctx.now()),
    model: ctx.publicModel,
    choices: [
      {
        index: 0,
        message: outMessage,
        finish_reason: toOpenAIFinishReason(body.done_reason, toolCalls.length > 0),
        logprobs: null,
      },
    ],
    usage: usageOf(body),
  };
}

export function ollamaGenerateToOpenAICompletion(body: JsonObject, ctx: TranslateContext): JsonObject {
  return {
    id: `cmpl-${ctx.requestId}`,
    object: 'text_completion',
    created: toUnixSeconds(ctx.now()),
    model: ctx.publicModel,
    choices: [
      {
        text: typeof body.response === 'string' ? body.response : '',
        index: 0,
        logprobs: null,
        finish_reason: toOpenAIFinishReason(body.done_reason, false),
      },
    ],
    usage: usageOf(body),
  };
}

export function ollamaEmbedToOpenAI(body: JsonObject, ctx: TranslateContext, base64: boolean): JsonObject {
  const prompt = typeof body.prompt_eval_count === 'number' ? body.prompt_eval_count : 0;
  return {
    object: 'list',
    data: asArray(body.embeddings).map((vector, index) => {
      const floats = asArray(vector) as number[];
      return { object: 'embedding', index, embedding: base64 ? encodeEmbeddingBase64(floats) : floats };
    }),
    model: ctx.publicModel,
    usage: { prompt_tokens: prompt, total_tokens: prompt },
  };
}
