import { Type } from '@sinclair/typebox';
import { ScopeBudgetsSchema, ScopeLimitsSchema } from '../../../admission/config-schema.ts';

const Name = Type.String({ minLength: 1, maxLength: 64 });
const Uuid = Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' });
const Duration = Type.String({ pattern: '^(\\d+(ms|s|m|h|d|w))+$', maxLength: 32 });

export const TenantParams = Type.Object({ tenant_id: Uuid }, { additionalProperties: false });
export const TeamParams = Type.Object({ tenant_id: Uuid, team_id: Uuid }, { additionalProperties: false });
export const KeyParams = Type.Object({ key_id: Uuid }, { additionalProperties: false });

export const CreateNamedBody = Type.Object({ name: Name }, { additionalProperties: false });

/**
 * Per-key settings the gateway acts on, and nothing else: an unknown field is an error, never stored and ignored.
 * (Vault services and MCP tools are granted through their own routes, not here.)
 */
export const KeySettings = Type.Object(
  {
    allowed_models: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 1000 })),
    limits: Type.Optional(ScopeLimitsSchema),
    budgets: Type.Optional(ScopeBudgetsSchema),
  },
  { additionalProperties: false },
);

/** Limits and budgets of a tenant or team (`PUT …/limits` replaces both). */
export const ScopeLimitsBody = Type.Object(
  { limits: Type.Optional(ScopeLimitsSchema), budgets: Type.Optional(ScopeBudgetsSchema) },
  { additionalProperties: false },
);

export const CreateKeyBody = Type.Object(
  { name: Name, expires_in: Type.Optional(Duration), settings: Type.Optional(KeySettings) },
  { additionalProperties: false },
);

export const UpdateKeyBody = Type.Object(
  { name: Type.Optional(Name), settings: Type.Optional(KeySettings) },
  { additionalProperties: false, minProperties: 1 },
);

export const RotateKeyBody = Type.Object({ grace: Type.Optional(Duration) }, { additionalProperties: false });

export const CreateUserBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320 }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    tenant_id: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

export const CreateTokenBody = Type.Object(
  { name: Type.Optional(Name), expires_in: Type.Optional(Duration) },
  { additionalProperties: false },
);

export const RoleBody = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 500 })),
    permissions: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 200 }),
    includes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);

export const BindingBody = Type.Object(
  {
    principal: Type.String({ minLength: 3, maxLength: 500 }),
    role: Type.String({ minLength: 1, maxLength: 64 }),
    scope: Type.String({ minLength: 1, maxLength: 200 }),
    effect: Type.Optional(Type.Union([Type.Literal('allow'), Type.Literal('deny')])),
  },
  { additionalProperties: false },
);

export const SecretBody = Type.Object(
  { value: Type.String({ minLength: 1, maxLength: 65_536 }) },
  { additionalProperties: false },
);

export const AuditQuery = Type.Object(
  {
    since: Type.Optional(Type.String({ maxLength: 40 })),
    until: Type.Optional(Type.String({ maxLength: 40 })),
    surface: Type.Optional(Type.String({ maxLength: 100 })),
    principal: Type.Optional(Type.String({ maxLength: 100 })),
    outcome: Type.Optional(Type.String({ maxLength: 40 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
