import { type Static, Type } from '@sinclair/typebox';
import { LimitsConfigSchema, PricesConfigSchema } from '../admission/config-schema.ts';
import { AuditCheckpointsSectionSchema } from '../audit/config-schema.ts';
import { AuditExportSectionSchema } from '../audit/export-config.ts';
import { ModelsSectionSchema, ReasoningModelsSectionSchema, UpstreamsSectionSchema } from '../llm/config-schema.ts';
import { McpFileSectionSchema } from '../mcp/config.ts';
import { TelemetrySectionSchema } from '../telemetry/config.ts';
import { VaultConfigSchema } from '../vault/service-schema.ts';
import { CorsSectionSchema } from './cors.ts';
import { HttpSectionSchema } from './http.ts';
import { OidcSectionSchema } from './oidc.ts';

/**
 * The optional YAML file (`--config gatehouse.yaml`). Strict: an unknown key is an error naming its path, so a
 * typo never silently falls back to a default. Environment variables override the file.
 */
export const FileConfigSchema = Type.Object(
  {
    host: Type.Optional(Type.String({ minLength: 1 })),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    data_dir: Type.Optional(Type.String({ minLength: 1 })),
    region_id: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' })),
    log_level: Type.Optional(
      Type.Union([
        Type.Literal('fatal'),
        Type.Literal('error'),
        Type.Literal('warn'),
        Type.Literal('info'),
        Type.Literal('debug'),
        Type.Literal('trace'),
        Type.Literal('silent'),
      ]),
    ),
    body_limit_bytes: Type.Optional(Type.Integer({ minimum: 1024 })),
    /** Request parsing limits and the failed-authentication throttle (src/config/http.ts). */
    http: Type.Optional(HttpSectionSchema),
    /** Browser origins allowed per surface family (src/config/cors.ts); absent: no CORS headers at all. */
    cors: Type.Optional(CorsSectionSchema),
    database: Type.Optional(
      Type.Object(
        {
          write_url: Type.Optional(Type.String({ minLength: 1 })),
          read_url: Type.Optional(Type.String({ minLength: 1 })),
          /** Reads fall back to the primary when the replica lags more than this (ms). */
          read_max_lag_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 3_600_000 })),
          /** `auto` applies pending migrations at start; `off` refuses a database not at this build's schema. */
          migrate: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('off')])),
          /** SQLite only: `normal` survives a process crash, `full` also a power loss (README "Reliability"). */
          sqlite_synchronous: Type.Optional(Type.Union([Type.Literal('normal'), Type.Literal('full')])),
        },
        { additionalProperties: false },
      ),
    ),
    redis_url: Type.Optional(Type.String({ minLength: 1 })),
    /** This gateway's external origin (default audience of OIDC tokens); `GATEHOUSE_PUBLIC_URL` overrides it. */
    public_url: Type.Optional(Type.String({ minLength: 1 })),
    /** The OIDC issuer whose JWTs the admin API accepts (src/config/oidc.ts). */
    oidc: Type.Optional(OidcSectionSchema),
    keys: Type.Optional(
      Type.Object(
        {
          hashing: Type.Optional(Type.Union([Type.Literal('hmac'), Type.Literal('argon2id')])),
        },
        { additionalProperties: false },
      ),
    ),
    vault: Type.Optional(VaultConfigSchema),
    /** MCP servers, pinning, capabilities (src/mcp/config.ts). */
    mcp: Type.Optional(McpFileSectionSchema),
    limits: Type.Optional(LimitsConfigSchema),
    prices: Type.Optional(PricesConfigSchema),
    /** Whether the built-in list prices of well-known models apply under `prices` (src/domain/limits/price-defaults.ts). */
    price_defaults: Type.Optional(Type.Boolean()),
    audit: Type.Optional(
      Type.Object(
        {
          queue_limit: Type.Optional(Type.Integer({ minimum: 1 })),
          batch_size: Type.Optional(Type.Integer({ minimum: 1 })),
          flush_interval_ms: Type.Optional(Type.Integer({ minimum: 0 })),
          thread: Type.Optional(Type.Boolean()),
          /** How long a response's last bytes wait for its event's commit before the connection is dropped. */
          durable_timeout_ms: Type.Optional(Type.Integer({ minimum: 100 })),
          /** Signed checkpoints of the chains' heads (src/audit/config-schema.ts). */
          checkpoints: Type.Optional(AuditCheckpointsSectionSchema),
          /** Streaming export of committed events to a SIEM (src/audit/export-config.ts). */
          export: Type.Optional(AuditExportSectionSchema),
        },
        { additionalProperties: false },
      ),
    ),
    /** Traces, OTLP metrics, access log and metric labels (src/telemetry/config.ts); OTEL_* variables win. */
    telemetry: Type.Optional(TelemetrySectionSchema),
    /** LLM upstreams, model groups and reasoning-model patterns (src/llm/config-schema.ts). */
    upstreams: Type.Optional(UpstreamsSectionSchema),
    models: Type.Optional(ModelsSectionSchema),
    reasoning_models: Type.Optional(ReasoningModelsSectionSchema),
  },
  { additionalProperties: false },
);

export type FileConfig = Static<typeof FileConfigSchema>;
