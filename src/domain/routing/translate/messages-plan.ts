import { chainStreamTransforms } from '../stream/chain.ts';
import type { Dialect, JsonObject, LlmOperation, Usage } from '../types.ts';
import { readAnthropicUsage } from './anthropic-shared.ts';
import { chatToMessagesBody, messagesToChatResponse } from './chat-to-messages.ts';
import { chatToMessagesResponse, messagesToChatBody } from './messages-to-chat.ts';
import { type PlanOptions, planUpstreamCall, type UpstreamCallPlan } from './plan.ts';
import type { TranslateContext } from './shared.ts';
import { createChatToMessagesStream } from './stream-chat-to-messages.ts';
import { createMessagesToChatStream } from './stream-messages-to-chat.ts';

const SSE = 'text/event-stream';
const MESSAGES_USAGE = ['usage'] as const;
const readMessagesUsage = (body: JsonObject): Usage | null => readAnthropicUsage(body.usage);

/**
 * Translation to and from Anthropic Messages goes through OpenAI chat, the pivot every other dialect already
 * translates to: a Messages client on an Ollama upstream is Messages → chat → Ollama, and an Ollama or Responses
 * client on an Anthropic upstream is theirs → chat → Messages. Each pair of steps is two existing translations in
 * series (`chainStreamTransforms`), never a third path written out.
 */

/** A Messages request served by an upstream of a chat-family dialect (`openai`, `ollama`). */
export function planMessagesViaChat(
  upstream: Dialect,
  body: JsonObject,
  ctx: TranslateContext,
  options: PlanOptions,
): UpstreamCallPlan {
  const stream = body.stream === true;
  const chat = planUpstreamCall('openai.chat', upstream, messagesToChatBody(body, ctx, stream), ctx, options);
  return {
    ...chat,
    stream,
    contentType: SSE,
    clientWantsUsage: true,
    translateResponse: (json) => chatToMessagesResponse(chat.translateResponse?.(json) ?? json, ctx),
    createStreamTransform: () => chainStreamTransforms(chat.createStreamTransform(), createChatToMessagesStream(ctx)),
  };
}

/**
 * A chat-family plan (made for an OpenAI chat upstream) carried out on a Messages upstream instead: its chat body
 * becomes a Messages body, and the Messages reply or stream becomes the chat the plan already knows how to hand
 * to its client. The Messages stream always yields the usage chunk, so the plan's own stream step sees it and
 * decides, as for any chat upstream, whether its client gets it.
 */
export function planChatOverMessages(
  messagesOperation: LlmOperation,
  chat: UpstreamCallPlan,
  ctx: TranslateContext,
): UpstreamCallPlan {
  return {
    ...chat,
    operation: messagesOperation,
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
