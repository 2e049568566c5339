import { type Static, Type } from '@sinclair/typebox';

/**
 * Wire shapes of upstreams and model groups, shared by the YAML config and the admin API
 * (`/admin/v1/llm/upstreams`, `/admin/v1/llm/model_groups`). Durations are milliseconds; the config loader
 * turns `120s` into `timeout_ms: 120000`.
 */
const Id = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]*$' });
const Millis = Type.Integer({ minimum: 1, maximum: 3_600_000 });

export const UpstreamSpecSchema = Type.Object(
  {
    id: Id,
    provider: Type.Union([
      Type.Literal('openai'),
      Type.Literal('azure-openai'),
      Type.Literal('ollama'),
      Type.Literal('anthropic'),
    ]),
    base_url: Type.String({ minLength: 1, maxLength: 2048, pattern: '^https?://' }),
    api_keys: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { maxItems: 64 })),
    api_version: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    headers: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]+$' }), Type.String({ maxLength: 4096 }))),
    max_connections: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
    max_connections_per_tenant: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
    queue_timeout_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
    responses_api: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, $id: 'llm-upstream' },
);

export const TargetSpecSchema = Type.Object(
  {
    upstream: Id,
    model: Type.String({ minLength: 1, maxLength: 256 }),
    weight: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);

export const ModelGroupSpecSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    targets: Type.Array(TargetSpecSchema, { minItems: 1, maxItems: 64 }),
    fallbacks: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 16 })),
    strategy: Type.Optional(Type.Union([Type.Literal('weighted-hash'), Type.Literal('least-busy')])),
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    timeout_ms: Type.Optional(Millis),
    first_byte_timeout_ms: Type.Optional(Millis),
    idle_timeout_ms: Type.Optional(Millis),
  },
  { additionalProperties: false, $id: 'llm-model-group' },
);

export type UpstreamSpecInput = Static<typeof UpstreamSpecSchema>;
export type ModelGroupSpecInput = Static<typeof ModelGroupSpecSchema>;
