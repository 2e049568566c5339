/**
 * @module The OpenAI Responses API on the upstream side: passthrough to upstreams that serve it, and translation
 * through chat completions (requests, JSON replies and event streams) for those that do not. Pure.
 */
export { ResponseEventWriter } from './events.ts';
export { createResponsesPassthrough } from './passthrough.ts';
export { planResponsesCall } from './plan.ts';
export { chatToResponse, readResponsesUsage, responseFinishReason, responseIds } from './reply.ts';
export { invalidInputItem, responsesInputToMessages, responsesToChatBody, statefulFeature } from './request.ts';
export { createChatToResponsesStream } from './stream-from-chat.ts';
