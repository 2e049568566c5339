import { PublicModelName } from '../public-model.ts';
import { applyReasoningTokenField } from '../reasoning.ts';
import { chainStreamTransforms } from '../stream/chain.ts';
import { createOllamaPassthrough } from '../stream/ollama-passthrough.ts';
import { createOpenAIPassthrough } from '../stream/openai-passthrough.ts';
import type { StreamTransform } from '../stream/transform.ts';
import type { Dialect, JsonObject, LlmOperation, Usage } from '../types.ts';
import { makeUsage, readOllamaUsage, readOpenAIUsage } from '../usage.ts';
import { readAnthropicUsage } from './anthropic-shared.ts';
import { chatToMessagesBody, messagesToChatResponse } from './chat-to-messages.ts';
import * as fromOllama from './ollama-to-openai.ts';
import * as toOllama from './openai-to-ollama.ts';
import { isObject, type TranslateContext } from './shared.ts';
import { createMessagesToChatStream } from './stream-messages-to-chat.ts';
import { createOllamaToOpenAIStream } from './stream-ollama-to-openai.ts';
import { createOpenAIToOllamaStream } from './stream-openai-to-ollama.ts';

/** How one client call is carried out against an upstream of a given dialect, decided before any I/O. */
export interface UpstreamCallPlan {
  /** The operation the upstream adapter is asked to perform. */
  operation: LlmOperation;
  body: JsonObject;
  /** The client's own bytes for `body`, sent instead of its serialisation (byte-faithful passthrough). */
  rawBody?: Buffer | null;
  /**
   * Protocol headers the client's dialect forwards to an upstream of the same dialect (`anthropic-version`,
   * `anthropic-beta`): an allow-list the planner chose, never the client's headers at large.
   */
  headers?: Readonly<Record<string, string>>;
  stream: boolean;
  /** The content type of the client's stream (its dialect's, whatever the upstream speaks). */
  contentType: string;
  /** The client asked for the streamed usage chunk (`stream_options.include_usage`). */
  clientWantsUsage: boolean;
  /**
   * Upstream JSON → client JSON; null when the upstream's bytes go to the client unchanged, but for a top-level
   * `model`, which always names the model the client asked for (`PublicModelName`).
   */
  translateResponse: ((upstream: JsonObject) => JsonObject) | null;
  readUsage: (upstream: JsonObject) => Usage | null;
  /** The top-level members `readUsage` reads: all that is parsed of a large reply passed through unchanged. */
  usageMembers: readonly string[];
  createStreamTransform: () => StreamTransform;
}

export interface PlanOptions {
  /** The upstream model is a reasoning model (see `createModelMatcher`). */
  reasoning: boolean;
}

/** OpenAI streams only on `stream: true`; Ollama streams unless `stream: false` (ollama docs/api.md). */
export function isStreamingRequest(operation: LlmOperation, body: JsonObject): boolean {
  switch (operation) {
    case 'openai.chat':
    case 'openai.completions':
    case 'responses.create':
      return body.stream === true;
    case 'ollama.chat':
    case 'ollama.generate':
      return body.stream !== false;
    default:
      return false;
  }
}

const SSE = 'text/event-stream';
const NDJSON = 'application/x-ndjson';
const readOpenAI = (body: JsonObject): Usage | null => readOpenAIUsage(body.usage);
const OPENAI_USAGE = ['usage'] as const;
const OLLAMA_USAGE = ['prompt_eval_count', 'eval_count'] as const;
const OLLAMA_EMBED_USAGE = ['prompt_eval_count'] as const;
const readOllama = (body: JsonObject): Usage | null => readOllamaUsage(body);
const readOllamaEmbed = (body: JsonObject): Usage | null =>
  typeof body.prompt_eval_count === 'number' ? makeUsage(body.prompt_eval_count, 0) : null;
const noStream = (): StreamTransform => createOpenAIPassthrough({ clientWantsUsage: false });

/**
 * Same-dialect OpenAI call: the client's body with only the model swapped, usage always requested on streams,
 * and `max_tokens` moved for reasoning models. Every other field passes through untouched.
 */
function prepareOpenAIBody(operation: LlmOperation, body: JsonObject, ctx: TranslateContext, options: PlanOptions) {
  let out: JsonObject = { ...body, model: ctx.upstreamModel };
  const stream = isStreamingRequest(operation, body);
  if (stream) {
    const streamOptions = isObject(body.stream_options) ? body.stream_options : {};
    out.stream_options = { ...streamOptions, include_usage: true };
  }
  if (operation === 'openai.chat' && options.reasoning) out = applyReasoningTokenField(out);
  return out;
}

function wantsUsage(body: JsonObject): boolean {
  return isObject(body.stream_options) && body.stream_options.include_usage === true;
}

function planOpenAIClient(
  op: LlmOperation,
  upstream: Dialect,
  body: JsonObject,
  ctx: TranslateContext,
  options: PlanOptions,
) {
  const stream = isStreamingRequest(op, body);
  const clientWantsUsage = wantsUsage(body);
  if (upstream === 'openai') {
    return {
      operation: op,
      body: prepareOpenAIBody(op, body, ctx, options),
      stream,
      contentType: SSE,
      clientWantsUsage,
      translateResponse: null,
      readUsage: readOpenAI,
      usageMembers: OPENAI_USAGE,
      createStreamTransform: () =>
        createOpenAIPassthrough({ clientWantsUsage, publicModel: new PublicModelName(ctx.publicModel) }),
    } satisfies UpstreamCallPlan;
  }
  if (op === 'openai.embeddings') {
    const base64 = body.encoding_format === 'base64';
    return {
      operation: 'ollama.embed',
      body: toOllama.openAIEmbeddingsToOllamaEmbed(body, ctx),
      stream: false,
      contentType: SSE,
      clientWantsUsage,
      translateResponse: (json: JsonObject) => toOllama.ollamaEmbedToOpenAI(json, ctx, base64),
      readUsage: readOllamaEmbed,
      usageMembers: OLLAMA_EMBED_USAGE,
      createStreamTransform: noStream,
    } satisfies UpstreamCallPlan;
  }
  const chat = op === 'openai.chat';
  return {
    operation: chat ? 'ollama.chat' : 'ollama.generate',
    body: chat
      ? toOllama.openAIChatToOllama(body, ctx, stream)
      : toOllama.openAICompletionToOllamaGenerate(body, ctx, stream),
    stream,
    contentType: SSE,
    clientWantsUsage,
    translateResponse: (json: JsonObject) =>
      chat ? toOllama.ollamaChatToOpenAI(json, ctx) : toOllama.ollamaGenerateToOpenAICompletion(json, ctx),
    readUsage: readOllama,
    usageMembers: OLLAMA_USAGE,
    createStreamTransform: () => createOllamaToOpenAIStream(chat ? 'chat' : 'completions', ctx, clientWantsUsage),
  } satisfies UpstreamCallPlan;
}

function planOllamaClient(
  op: LlmOperation,
  upstream: Dialect,
  body: JsonObject,
  ctx: TranslateContext,
  options: PlanOptions,
) {
  const stream = isStreamingRequest(op, body);
  if (upstream === 'ollama') {
    const embed = op === 'ollama.embed' || op === 'ollama.embeddings';
    return {
      operation: op,
      body: { ...body, model: ctx.upstreamModel },
      stream,
      contentType: NDJSON,
      clientWantsUsage: true,
      translateResponse: null,
      readUsage: embed ? readOllamaEmbed : readOllama,
      usageMembers: embed ? OLLAMA_EMBED_USAGE : OLLAMA_USAGE,
      createStreamTransform: () => createOllamaPassthrough(new PublicModelName(ctx.publicModel)),
    } satisfies UpstreamCallPlan;
  }
  if (op === 'ollama.embed' || op === 'ollama.embeddings') {
    const legacy = op === 'ollama.embeddings';
    return {
      operation: 'openai.embeddings',
      body: legacy
        ? fromOllama.ollamaLegacyEmbeddingsToOpenAI(body, ctx)
        : fromOllama.ollamaEmbedToOpenAIEmbeddings(body, ctx),
      stream: false,
      contentType: NDJSON,
      clientWantsUsage: true,
      translateResponse: (json: JsonObject) =>
        legacy ? fromOllama.openAIEmbeddingsToOllamaLegacy(json) : fromOllama.openAIEmbeddingsToOllamaEmbed(json, ctx),
      readUsage: readOpenAI,
      usageMembers: OPENAI_USAGE,
      createStreamTransform: noStream,
    } satisfies UpstreamCallPlan;
  }
  const chat = op === 'ollama.chat';
  let upstreamBody = chat
    ? fromOllama.ollamaChatToOpenAIChat(body, ctx, stream)
    : fromOllama.ollamaGenerateToOpenAIChat(body, ctx, stream);
  if (options.reasoning) upstreamBody = applyReasoningTokenField(upstreamBody);
  return {
    operation: 'openai.chat',
    body: upstreamBody,
    stream,
    contentType: NDJSON,
    clientWantsUsage: true,
    translateResponse: (json: JsonObject) =>
      chat ? fromOllama.openAIChatToOllamaChat(json, ctx) : fromOllama.openAIChatToOllamaGenerate(json, ctx),
    readUsage: readOpenAI,
    usageMembers: OPENAI_USAGE,
    createStreamTransform: () => createOpenAIToOllamaStream(chat ? 'chat' : 'generate', ctx),
  } satisfies UpstreamCallPlan;
}

/** Operations that are a conversation, which Anthropic serves; it has no completions or embeddings endpoint. */
const CHAT_FAMILY: ReadonlySet<LlmOperation> = new Set(['openai.chat', 'ollama.chat', 'ollama.generate']);
const MESSAGES_USAGE = ['usage'] as const;
const readMessagesUsage = (body: JsonObject): Usage | null => readAnthropicUsage(body.usage);

/**
 * A chat-family plan (made for an OpenAI chat upstream) carried out on an Anthropic Messages upstream instead: the
 * chat body becomes a Messages body, and the Messages reply or stream becomes the chat the plan already knows how
 * to hand to its client (issue 13 §4: chat is the pivot, so Ollama and Responses clients reach Anthropic through
 * it). The Messages stream always yields the usage chunk; the plan's own stream step decides whether its client
 * gets it, as for any chat upstream.
 */
function planChatOverMessages(chat: UpstreamCallPlan, ctx: TranslateContext): UpstreamCallPlan {
  return {
    ...chat,
    operation: 'anthropic.messages',
    body: chatToMessagesBody(chat.body, ctx, chat.stream),
    translateResponse: (json) => {
      const reply = messagesToChatResponse(json, ctx);
      return chat.translateResponse?.(reply) ?? reply;
    },
    readUsage: readMessagesUsage,
    usageMembers: MESSAGES_USAGE,
    createStreamTransform: () =>
      chainStreamTransforms(createMessagesToChatStream(ctx, true), chat.createStreamTransform()),
  };
}

/**
 * Plans a client operation against an upstream dialect: same dialect passes bytes through, a different one
 * translates the request, the response and the stream (issue 3: Ollama-native requests may be served by
 * OpenAI-compatible upstreams and the reverse; issue 13: and by Anthropic upstreams, through chat).
 */
export function planUpstreamCall(
  operation: LlmOperation,
  upstream: Dialect,
  body: JsonObject,
  ctx: TranslateContext,
  options: PlanOptions,
): UpstreamCallPlan {
  if (upstream === 'anthropic') {
    if (!CHAT_FAMILY.has(operation)) throw new TypeError(`${operation} cannot be served by an Anthropic upstream`);
    return planChatOverMessages(planUpstreamCall(operation, 'openai', body, ctx, options), ctx);
  }
  return operation.startsWith('openai.')
    ? planOpenAIClient(operation, upstream, body, ctx, options)
    : planOllamaClient(operation, upstream, body, ctx, options);
}
