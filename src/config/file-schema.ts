import { type Static, Type } from '@sinclair/typebox';

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
    database: Type.Optional(
      Type.Object(
        {
          write_url: Type.Optional(Type.String({ minLength: 1 })),
          read_url: Type.Optional(Type.String({ minLength: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    redis_url: Type.Optional(Type.String({ minLength: 1 })),
    keys: Type.Optional(
      Type.Object(
        {
          hashing: Type.Optional(Type.Union([Type.Literal('hmac'), Type.Literal('argon2id')])),
        },
        { additionalProperties: false },
      ),
    ),
    audit: Type.Optional(
      Type.Object(
        {
          queue_limit: Type.Optional(Type.Integer({ minimum: 1 })),
          batch_size: Type.Optional(Type.Integer({ minimum: 1 })),
          flush_interval_ms: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type FileConfig = Static<typeof FileConfigSchema>;
