import { Type } from '@sinclair/typebox';

/**
 * Ollama-native request bodies (ollama docs/api.md). Known fields are checked, everything else passes through.
 * `model` may be absent when the `x-gatehouse-model` header names it.
 */
const Model = Type.Optional(Type.String({ minLength: 1, maxLength: 256 }));
const Stream = Type.Optional(Type.Boolean());
const Options = Type.Optional(Type.Object({}));

const Message = Type.Object({
  role: Type.Union(['system', 'user', 'assistant', 'tool'].map((role) => Type.Literal(role))),
  content: Type.Optional(Type.String()),
  images: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()])),
});

export const OllamaChatBodySchema = Type.Object({
  model: Model,
  messages: Type.Optional(Type.Array(Message, { maxItems: 100_000 })),
  stream: Stream,
  options: Options,
});

export const OllamaGenerateBodySchema = Type.Object({
  model: Model,
  prompt: Type.Optional(Type.String()),
  suffix: Type.Optional(Type.String()),
  system: Type.Optional(Type.String()),
  stream: Stream,
  raw: Type.Optional(Type.Boolean()),
  options: Options,
});

export const OllamaEmbedBodySchema = Type.Object({
  model: Model,
  input: Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1, maxItems: 2048 })]),
  truncate: Type.Optional(Type.Boolean()),
  dimensions: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  options: Options,
});

export const OllamaEmbeddingsBodySchema = Type.Object({
  model: Model,
  prompt: Type.String(),
  options: Options,
});
