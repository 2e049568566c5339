import { Type } from '@sinclair/typebox';

/** `name` is the pre-0.5 spelling some clients still send. */
export const OllamaShowBodySchema = Type.Object({
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  verbose: Type.Optional(Type.Boolean()),
});
