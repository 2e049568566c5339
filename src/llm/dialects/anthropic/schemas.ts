import { Type } from '@sinclair/typebox';

/**
 * Request bodies of the Anthropic Messages surfaces (`POST /v1/messages`, `/v1/messages/count_tokens`). The
 * gateway checks only what it relies on (model, the messages' shape, the output ceiling, the stream flag);
 * everything else (`thinking`, `cache_control`, `context_management`, `metadata`, fields of betas not yet
 * published) passes through untouched, since an Anthropic upstream receives the client's own bytes.
 */
const Model = Type.String({ minLength: 1, maxLength: 256 });

/** A content block: text, image, document, tool_use, tool_result, thinking, redacted_thinking, and newer kinds. */
const Block = Type.Object({ type: Type.String({ minLength: 1, maxLength: 64 }) });

/**
 * `user` and `assistant` are the documented roles, but clients send others: Claude Code 2.1 puts `system` turns in
 * `messages`. An Anthropic upstream decides; translation to chat reads any role but `assistant` as the user's.
 */
const Message = Type.Object({
  role: Type.String({ minLength: 1, maxLength: 64 }),
  content: Type.Union([Type.String(), Type.Array(Block, { maxItems: 100_000 })]),
});

const Messages = Type.Array(Message, { minItems: 1, maxItems: 100_000 });
const System = Type.Union([Type.String(), Type.Array(Block, { maxItems: 10_000 })]);
const Tool = Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }) });

export const MessagesBodySchema = Type.Object({
  model: Type.Optional(Model),
  messages: Messages,
  max_tokens: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
  stream: Type.Optional(Type.Boolean()),
  system: Type.Optional(System),
  tools: Type.Optional(Type.Array(Tool, { maxItems: 1024 })),
});

export const CountTokensBodySchema = Type.Object({
  model: Type.Optional(Model),
  messages: Messages,
  system: Type.Optional(System),
  tools: Type.Optional(Type.Array(Tool, { maxItems: 1024 })),
});
