import { chainStreamTransforms } from '../stream/chain.ts';
import type { Dialect, JsonObject } from '../types.ts';
import { chatToMessagesResponse, messagesToChatBody } from './messages-to-chat.ts';
import { type PlanOptions, planUpstreamCall, type UpstreamCallPlan } from './plan.ts';
import type { TranslateContext } from './shared.ts';
import { createChatToMessagesStream } from './stream-chat-to-messages.ts';

const SSE = 'text/event-stream';

/**
 * A Messages request served by an upstream of a chat-family dialect (`openai`, `ollama`), through OpenAI chat, the
 * pivot every other dialect already translates to: on Ollama it is Messages → chat → Ollama, two existing
 * translations in series (`chainStreamTransforms`), never a third path written out. The reverse direction (chat
 * family on an Anthropic upstream) is in `planUpstreamCall`.
 */
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
