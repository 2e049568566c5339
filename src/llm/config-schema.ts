import { type Static, Type } from '@sinclair/typebox';
import { ModelGroupSpecSchema, UpstreamSpecSchema } from '../domain/routing/schemas.ts';

/**
 * The `upstreams`, `models` and `reasoning_models` sections of the YAML config file. Upstream fields are the
 * admin API's (`UpstreamSpecSchema`), except that each `api_keys` entry may be an environment reference
 * `${NAME}`, resolved at startup, so the file itself never has to hold a secret. Model groups spell their
 * timeouts as durations (`120s`, `2m`, `500ms`) or plain milliseconds.
 */
const Duration = Type.Union([
  Type.String({ pattern: '^(\\d+(ms|s|m|h))+$' }),
  Type.Integer({ minimum: 1, maximum: 3_600_000 }),
]);

export const UpstreamFileSchema = Type.Object(
  {
    ...UpstreamSpecSchema.properties,
    api_keys: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { maxItems: 64 })),
  },
  { additionalProperties: false },
);

const {
  timeout_ms: _t,
  first_byte_timeout_ms: _f,
  idle_timeout_ms: _i,
  ...groupFields
} = ModelGroupSpecSchema.properties;

export const ModelGroupFileSchema = Type.Object(
  {
    ...groupFields,
    timeout: Type.Optional(Duration),
    first_byte_timeout: Type.Optional(Duration),
    idle_timeout: Type.Optional(Duration),
  },
  { additionalProperties: false },
);

export const UpstreamsSectionSchema = Type.Array(UpstreamFileSchema, { maxItems: 1024 });
export const ModelsSectionSchema = Type.Array(ModelGroupFileSchema, { maxItems: 4096 });
/** Glob patterns (`*` only) of upstream model names that take `max_completion_tokens`; replaces the default list. */
export const ReasoningModelsSectionSchema = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
  maxItems: 256,
});

export type UpstreamFileEntry = Static<typeof UpstreamFileSchema>;
export type ModelGroupFileEntry = Static<typeof ModelGroupFileSchema>;
