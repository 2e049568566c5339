import { Type } from '@sinclair/typebox';

/**
 * Request bodies of the OpenAI-compatible surfaces. Only the fields the gateway relies on or that have hard limits
 * are checked; every other field passes through untouched (`additionalProperties` stays open), so new OpenAI
 * parameters keep working without a gateway release.
 */
const Model = Type.String({ minLength: 1, maxLength: 256 });
const Count = (maximum: number) => Type.Integer({ minimum: 1, maximum });
const Nullable = <T extends ReturnType<typeof Type.Integer>>(schema: T) => Type.Union([schema, Type.Null()]);

const Role = Type.Union(
  ['system', 'developer', 'user', 'assistant', 'tool', 'function'].map((role) => Type.Literal(role)),
);

const ChatMessage = Type.Object({
  role: Role,
  content: Type.Optional(Type.Union([Type.String(), Type.Array(Type.Object({})), Type.Null()])),
});

const Sampling = {
  model: Type.Optional(Model),
  n: Type.Optional(Count(128)),
  max_tokens: Type.Optional(Nullable(Count(10_000_000))),
  stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  stream_options: Type.Optional(Type.Union([Type.Object({}), Type.Null()])),
  temperature: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 2 }), Type.Null()])),
  top_p: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()])),
};

export const ChatCompletionBodySchema = Type.Object({
  ...Sampling,
  messages: Type.Array(ChatMessage, { minItems: 1, maxItems: 100_000 }),
  max_completion_tokens: Type.Optional(Nullable(Count(10_000_000))),
});

export const CompletionBodySchema = Type.Object({
  ...Sampling,
  prompt: Type.Union([
    Type.String(),
    Type.Array(Type.String(), { minItems: 1 }),
    Type.Array(Type.Integer(), { minItems: 1 }),
    Type.Array(Type.Array(Type.Integer()), { minItems: 1 }),
  ]),
});

export const EmbeddingsBodySchema = Type.Object({
  model: Type.Optional(Model),
  input: Type.Union([
    Type.String(),
    Type.Array(Type.String(), { minItems: 1, maxItems: 2048 }),
    Type.Array(Type.Integer(), { minItems: 1 }),
    Type.Array(Type.Array(Type.Integer()), { minItems: 1, maxItems: 2048 }),
  ]),
  encoding_format: Type.Optional(Type.Union([Type.Literal('float'), Type.Literal('base64')])),
  dimensions: Type.Optional(Count(100_000)),
});
