/**
 * @module
 * Wire formats of the vault: a service definition (YAML `vault.services[]` and `POST /admin/v1/vault/services`)
 * and the `vault` config section. Credentials never appear here: they are stored as envelopes through the CLI or
 * the admin API, write-only.
 */
import { type Static, Type } from '@sinclair/typebox';

export const SERVICE_ID_PATTERN = '^[a-z0-9][a-z0-9_-]{0,62}$';

const HeaderName = Type.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$" });
const TokenUrl = Type.String({ minLength: 8, maxLength: 2048 });
const Scope = Type.String({ pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E ]{1,1024}$' });
const ClientAuth = Type.Union([Type.Literal('basic'), Type.Literal('post')]);

export const VaultAuthSchema = Type.Union([
  Type.Object(
    {
      type: Type.Literal('header'),
      name: HeaderName,
      prefix: Type.Optional(Type.String({ pattern: '^[\\x20-\\x7E]{0,64}$' })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('query'), name: Type.String({ pattern: '^[A-Za-z0-9._~-]{1,128}$' }) },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('bearer') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('basic') }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('oauth2_client_credentials'),
      token_url: TokenUrl,
      scope: Type.Optional(Scope),
      audience: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
      client_auth: Type.Optional(ClientAuth),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('oauth2_refresh_token'),
      token_url: TokenUrl,
      scope: Type.Optional(Scope),
      client_auth: Type.Optional(ClientAuth),
    },
    { additionalProperties: false },
  ),
]);
export type VaultAuthSpec = Static<typeof VaultAuthSchema>;

const Method = Type.Union(
  ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].map((method) => Type.Literal(method)),
);

export const VaultServiceSchema = Type.Object(
  {
    id: Type.String({ pattern: SERVICE_ID_PATTERN }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    base_url: Type.String({ minLength: 8, maxLength: 2048 }),
    allowed_methods: Type.Optional(Type.Array(Method, { minItems: 1, uniqueItems: true })),
    allowed_paths: Type.Optional(
      Type.Array(Type.String({ pattern: "^/[A-Za-z0-9._~!$&'()*+,;=:@/-]{0,512}$" }), { minItems: 1, maxItems: 64 }),
    ),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
    auth: VaultAuthSchema,
    rate_limit: Type.Optional(
      Type.Object(
        {
          requests: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
          window_ms: Type.Integer({ minimum: 1000, maximum: 86_400_000 }),
        },
        { additionalProperties: false },
      ),
    ),
    max_request_bytes: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 })),
  },
  {
    $id: 'vault-service',
    title: 'Gatehouse vault service definition',
    description: 'A third-party API reachable through /vault/{id}/…, and how Gatehouse authenticates to it.',
    additionalProperties: false,
  },
);
export type VaultServiceSpec = Static<typeof VaultServiceSchema>;

/** The `vault` section of the YAML config file. */
export const VaultConfigSchema = Type.Object(
  {
    services: Type.Optional(Type.Array(VaultServiceSchema, { maxItems: 1000 })),
    /** Refresh OAuth2 access tokens this long before they expire. */
    refresh_skew_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
    /** How long an Idempotency-Key's first response is replayed. */
    idempotency_ttl_ms: Type.Optional(Type.Integer({ minimum: 1000, maximum: 7 * 86_400_000 })),
    /** Largest upstream response kept for idempotent replay; larger responses are sent but not stored. */
    idempotency_max_bytes: Type.Optional(Type.Integer({ minimum: 0, maximum: 16 * 1024 * 1024 })),
  },
  { additionalProperties: false },
);
export type VaultConfigSection = Static<typeof VaultConfigSchema>;

/** Body of `POST /admin/v1/keys/{id}/services`. */
export const VaultGrantSchema = Type.Object(
  { services: Type.Array(Type.String({ pattern: SERVICE_ID_PATTERN }), { minItems: 1, maxItems: 100 }) },
  { additionalProperties: false },
);
