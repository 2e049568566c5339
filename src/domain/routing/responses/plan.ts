import { chainStreamTransforms } from '../stream/chain.ts';
import { type PlanOptions, planUpstreamCall, type UpstreamCallPlan } from '../translate/plan.ts';
import type { TranslateContext } from '../translate/shared.ts';
import type { Dialect, JsonObject, LlmOperation, Usage } from '../types.ts';
import { createResponsesPassthrough } from './passthrough.ts';
import { chatToResponse, readResponsesUsage } from './reply.ts';
import { responsesToChatBody } from './request.ts';
import { createChatToResponsesStream } from './stream-from-chat.ts';

const SSE = 'text/event-stream';
const RESPONSES_USAGE = ['usage'] as const;
const readUsage = (body: JsonObject): Usage | null => readResponsesUsage(body.usage);

/**
 * Plans a Responses API call (`responses.create`, `responses.compact`). An upstream that serves the Responses API
 * gets the client's body with only the model swapped, and its reply with only the model name changed back.
 * Any other upstream is reached through chat completions: the request becomes a chat body, the chat plan for
 * that upstream carries it (passthrough to OpenAI chat, translation to Ollama), and the chat reply or stream is
 * turned into a Responses object or event stream. `responses.compact` and stateful requests never get here for
 * a translated upstream: the route boundary refuses them first (see `statefulFeature`).
 */
export function planResponsesCall(
  operation: LlmOperation,
  upstream: Dialect,
  body: JsonObject,
  ctx: TranslateContext,
  options: PlanOptions,
): UpstreamCallPlan {
  const stream = operation === 'responses.create' && body.stream === true;
  if (upstream === 'responses') {
    return {
      operation,
      body: { ...body, model: ctx.upstreamModel },
      stream,
      contentType: SSE,
      clientWantsUsage: true,
      translateResponse: null,
      readUsage,
      usageMembers: RESPONSES_USAGE,
      createStreamTransform: () => createResponsesPassthrough(ctx.publicModel),
    };
  }
  if (operation !== 'responses.create') {
    throw new TypeError(`${operation} needs an upstream that serves the Responses API`);
  }
  const chat = planUpstreamCall('openai.chat', upstream, responsesToChatBody(body, ctx, stream), ctx, options);
  return {
    operation: chat.operation,
    body: chat.body,
    stream,
    contentType: SSE,
    clientWantsUsage: true,
    translateResponse: (json) => chatToResponse(chat.translateResponse?.(json) ?? json, body, ctx),
    readUsage: chat.readUsage,
    usageMembers: chat.usageMembers,
    createStreamTransform: () =>
      chainStreamTransforms(chat.createStreamTransform(), createChatToResponsesStream(body, ctx)),
  };
}
