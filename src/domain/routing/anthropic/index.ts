/**
 * @module Anthropic's Messages API on the upstream side: byte-faithful passthrough to Anthropic upstreams, the
 * stream relay that reads usage split across `message_start` and `message_delta`, and the history check the
 * gateway enforces itself. Pure.
 */
export { anthropicErrorEvent } from './events.ts';
export { createAnthropicPassthrough } from './passthrough.ts';
export { type MessagesPassthrough, planAnthropicPassthrough, planMessagesCall } from './plan.ts';
export { invalidToolResult, type MessagesFault } from './request.ts';
