import { Type } from '@sinclair/typebox';
import { ERROR_CATALOG } from '../http/errors.ts';
import { ANTHROPIC_ENVELOPE_TYPES } from '../llm/index.ts';

const CatalogCodeSchema = Type.Union(Object.keys(ERROR_CATALOG).map((code) => Type.Literal(code)));

/** The one error body of every surface (DESIGN §2 invariant 5), with the catalog's codes as the closed set. */
export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object(
      {
        message: Type.String({ minLength: 1 }),
        type: Type.Union(
          [...new Set(Object.values(ERROR_CATALOG).map((entry) => entry.type))].map((t) => Type.Literal(t)),
        ),
        code: CatalogCodeSchema,
        param: Type.Union([Type.String(), Type.Null()]),
      },
      { additionalProperties: false },
    ),
  },
  { $id: 'error', additionalProperties: false },
);

/**
 * The same catalog entry in Anthropic's envelope, on the Messages routes (`/v1/messages*`, and `/v1/models` when
 * the request carries `anthropic-version`): Anthropic's type for the SDKs, the catalog's code and param beside it.
 */
export const AnthropicErrorBodySchema = Type.Object(
  {
    type: Type.Literal('error'),
    error: Type.Object(
      {
        type: Type.Union(ANTHROPIC_ENVELOPE_TYPES.map((t) => Type.Literal(t))),
        message: Type.String({ minLength: 1 }),
        code: CatalogCodeSchema,
        param: Type.Union([Type.String(), Type.Null()]),
      },
      { additionalProperties: false },
    ),
  },
  { $id: 'anthropic-error', additionalProperties: false },
);

/**
 * The same catalog entry in Ollama's envelope, on the Ollama-native routes (`/api/*`): the message alone, which
 * its clients show; the code travels in the `x-gatehouse-error-code` header.
 */
export const OllamaErrorBodySchema = Type.Object(
  { error: Type.String({ minLength: 1 }) },
  { $id: 'ollama-error', additionalProperties: false },
);
