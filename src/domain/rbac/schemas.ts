/**
 * @module Wire contracts for RBAC: roles, bindings and scopes. Exported to `contracts/schemas/` as
 * `rbac-role`, `rbac-binding` and `rbac-scope`; the engine validates with these same objects.
 *
 * Strict by construction: no additional properties (a misspelt `efect: "deny"` must fail loudly,
 * not become an allow), lowercase UUIDs only, and `null` is never a stand-in for an absent field.
 */
import { type Static, Type } from '@sinclair/typebox';
import { UUID_PATTERN } from '../ids.ts';
import { PERMISSION_PATTERN_SOURCE } from './permissions.ts';
import { SCOPE_PATTERN_SOURCE } from './scope.ts';

const UUID = UUID_PATTERN.slice(1, -1);

export const ROLE_NAME_PATTERN_SOURCE = '^[a-z][a-z0-9]*(-[a-z0-9]+)*$';

/**
 * `user:<uuid>`, `key:<uuid>`, or `jwt:<issuer>#<sub>`. OIDC issuers carry no fragment
 * (OpenID Connect Discovery 1.0 §4.3), so the first `#` splits issuer from subject unambiguously.
 */
export const PRINCIPAL_PATTERN_SOURCE = `^((user|key):${UUID}|jwt:[^#\\s]+#\\S+)$`;

const SCOPE_OPTIONS = {
  description: '`platform`, `org:<uuid>` or `org:<uuid>/team:<uuid>`; lowercase UUIDs; a team only under an org.',
  pattern: SCOPE_PATTERN_SOURCE,
  maxLength: 90,
};

export const ScopeSchema = Type.String({ $id: 'rbac-scope', title: 'RBAC scope', ...SCOPE_OPTIONS });

export const RoleNameSchema = Type.String({ pattern: ROLE_NAME_PATTERN_SOURCE, minLength: 1, maxLength: 64 });

export const PermissionPatternSchema = Type.String({
  description: 'A catalog permission or a dot-boundary wildcard pattern such as `llm.*` or `admin.*.read`.',
  pattern: PERMISSION_PATTERN_SOURCE,
  minLength: 1,
  maxLength: 128,
});

export const RoleSchema = Type.Object(
  {
    name: RoleNameSchema,
    description: Type.Optional(Type.String({ maxLength: 500 })),
    permissions: Type.Array(PermissionPatternSchema, { maxItems: 256, uniqueItems: true }),
    includes: Type.Optional(Type.Array(RoleNameSchema, { maxItems: 32, uniqueItems: true })),
  },
  {
    $id: 'rbac-role',
    title: 'RBAC role',
    description: 'A named set of permission patterns, optionally including other roles (no cycles).',
    additionalProperties: false,
  },
);

export const BindingEffectSchema = Type.Union([Type.Literal('allow'), Type.Literal('deny')]);

export const BindingSchema = Type.Object(
  {
    id: Type.String({ description: 'UUIDv7; lower id wins ties.', pattern: UUID_PATTERN }),
    principal: Type.String({ pattern: PRINCIPAL_PATTERN_SOURCE, maxLength: 512 }),
    role: RoleNameSchema,
    scope: Type.String(SCOPE_OPTIONS),
    effect: BindingEffectSchema,
  },
  {
    $id: 'rbac-binding',
    title: 'RBAC binding',
    description: 'Attaches a role to a principal at a scope, as an allow or an explicit deny.',
    additionalProperties: false,
  },
);

export type Role = Static<typeof RoleSchema>;
export type Binding = Static<typeof BindingSchema>;
export type BindingEffect = Static<typeof BindingEffectSchema>;
