/**
 * @module What the LLM data plane answers, for the OpenAPI document and the response checks of the test gateway.
 * Model listings are the gateway's own and described exactly; a model call answers in its dialect's own shape (the
 * upstream's answer, translated when dialects differ), a JSON object or, when the body asks to stream, an event
 * stream, so it is described as such rather than re-specified here.
 */
import { Type } from '@sinclair/typebox';

export const OpenAIModel = Type.Object({
  id: Type.String(),
  object: Type.Literal('model'),
  created: Type.Integer({ description: 'Unix seconds.' }),
  owned_by: Type.String(),
});

export const OpenAIModelList = Type.Object({ object: Type.Literal('list'), data: Type.Array(OpenAIModel) });

/** A model call's success answer in the format of the dialect `id` (`openai`, `ollama`, `responses`…). */
export function dialectAnswer(id: string): ReturnType<typeof Type.Unknown> {
  return Type.Unknown({
    description:
      `The answer in the \`${id}\` dialect, as that API defines it: one JSON object, or with streaming asked for, a stream ` +
      '(`text/event-stream`, or NDJSON for Ollama) ending with the usage the gateway metered.',
  });
}

const OllamaModelEntry = Type.Object(
  {
    name: Type.String(),
    model: Type.String(),
    modified_at: Type.String(),
    size: Type.Integer(),
    digest: Type.String(),
    details: Type.Object({}, { additionalProperties: true }),
  },
  { additionalProperties: true },
);

export const OllamaTags = Type.Object({ models: Type.Array(OllamaModelEntry) });
export const OllamaVersion = Type.Object({ version: Type.String() });
export const OllamaShow = Type.Object(
  {},
  {
    additionalProperties: true,
    description: "The model's description as Ollama's /api/show gives it (from the upstream when it is an Ollama).",
  },
);
