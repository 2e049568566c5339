import { Type } from '@sinclair/typebox';

/**
 * Request bodies of the Responses API surfaces (`POST /v1/responses`, `/v1/responses/compact`). The gateway checks
 * what it relies on (model, input, the output ceiling, the stream flag, tools) and what has hard limits; every
 * other field passes through untouched to upstreams that serve the Responses API.
 */
const Model = Type.String({ minLength: 1, maxLength: 256 });
const Nullable = <T extends ReturnType<typeof Type.Integer | typeof Type.String | typeof Type.Boolean>>(schema: T) =>
  Type.Union([schema, Type.Null()]);

/** A string, or a list of items: messages, function calls and their outputs, reasoning items, and more. */
const Input = Type.Union([Type.String(), Type.Array(Type.Object({}), { maxItems: 100_000 })]);

const Tool = Type.Object({ type: Type.String({ minLength: 1, maxLength: 64 }) });

export const ResponsesBodySchema = Type.Object({
  model: Type.Optional(Model),
  input: Type.Optional(Input),
  instructions: Type.Optional(Nullable(Type.String())),
  stream: Type.Optional(Nullable(Type.Boolean())),
  store: Type.Optional(Nullable(Type.Boolean())),
  max_output_tokens: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 10_000_000 }))),
  previous_response_id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 256 }))),
  tools: Type.Optional(Type.Array(Tool, { maxItems: 1024 })),
  temperature: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 2 }), Type.Null()])),
  top_p: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()])),
});

export const ResponsesCompactBodySchema = Type.Object({
  model: Type.Optional(Model),
  input: Type.Optional(Input),
  instructions: Type.Optional(Nullable(Type.String())),
  previous_response_id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 256 }))),
});
