/**
 * @module What the admin API answers, as TypeBox schemas. Routes declare them as `schema.response`, so the OpenAPI
 * document, the generated admin client and the response checks of the tests (`validateResponses`) all read the
 * same definitions; the app serializes with plain JSON.stringify, so a schema never reshapes what is sent.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { AuditEventSchema } from '../../../domain/audit/index.ts';

export const Timestamp = Type.String({ format: 'date-time' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);
/** Settings documents (limits, budgets, allowed models…) are validated on write by their own schemas. */
const Settings = Type.Record(Type.String(), Type.Unknown());

/** `{"object":"list","data":[…],"next_cursor":…}`: every paginated list. */
export function ListOf<T extends TSchema>(item: T, description?: string) {
  return Type.Object(
    { object: Type.Literal('list'), data: Type.Array(item), next_cursor: NullableString },
    { additionalProperties: false, ...(description ? { description } : {}) },
  );
}

/** The body of an action that takes none (revoke, verify): documented as optional and empty. */
export const NoBody = Type.Object(
  {},
  { additionalProperties: false, description: 'No fields; the body may be omitted.' },
);

/** A 204: no body. The document renders it without content; `validateResponses` expects an empty payload. */
export const NoContent = Type.Null({ description: 'No content.' });

export const TenantView = Type.Object(
  { object: Type.Literal('tenant'), id: Type.String(), name: Type.String(), settings: Settings, created_at: Timestamp },
  { additionalProperties: false },
);

export const TeamView = Type.Object(
  {
    object: Type.Literal('team'),
    id: Type.String(),
    tenant_id: Type.String(),
    name: Type.String(),
    settings: Settings,
    created_at: Timestamp,
  },
  { additionalProperties: false },
);

const KeyFields = {
  object: Type.Literal('key'),
  id: Type.String(),
  prefix: Type.String(),
  name: Type.String(),
  tenant_id: Type.String(),
  team_id: Type.String(),
  status: Type.Union([
    Type.Literal('active'),
    Type.Literal('revoked'),
    Type.Literal('expired'),
    Type.Literal('rotating'),
  ]),
  settings: Settings,
  created_at: Timestamp,
  expires_at: NullableTimestamp,
  revoked_at: NullableTimestamp,
  rotated_to: NullableString,
};

export const KeyView = Type.Object(KeyFields, { additionalProperties: false });

export const IssuedKeyView = Type.Object(
  { ...KeyFields, key: Type.String({ description: 'The key itself: in this response only, never again.' }) },
  { additionalProperties: false },
);

export const RotatedKeyView = Type.Object(
  {
    ...KeyFields,
    key: Type.String({ description: 'The successor key: in this response only.' }),
    previous: KeyView,
  },
  { additionalProperties: false },
);

export const UserView = Type.Object(
  {
    object: Type.Literal('user'),
    id: Type.String(),
    email: Type.String(),
    name: Type.String(),
    tenant_id: NullableString,
    created_at: Timestamp,
    disabled: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const IssuedAdminTokenView = Type.Object(
  {
    object: Type.Literal('admin_token'),
    id: Type.String(),
    prefix: Type.String(),
    name: Type.String(),
    user_id: Type.String(),
    expires_at: NullableTimestamp,
    token: Type.String({ description: 'The token itself: in this response only.' }),
  },
  { additionalProperties: false },
);

export const RevokedAdminTokenView = Type.Object(
  { object: Type.Literal('admin_token'), id: Type.String(), prefix: Type.String(), revoked: Type.Literal(true) },
  { additionalProperties: false },
);

export const RoleView = Type.Object(
  {
    object: Type.Literal('role'),
    name: Type.String(),
    description: Type.String(),
    permissions: Type.Array(Type.String()),
    includes: Type.Array(Type.String()),
    version: Type.Integer(),
    builtin: Type.Boolean(),
    updatedAt: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);

export const BindingView = Type.Object(
  {
    object: Type.Literal('binding'),
    id: Type.String(),
    principal: Type.String(),
    role: Type.String(),
    scope: Type.String(),
    effect: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
    created_by: NullableString,
    created_at: Timestamp,
  },
  { additionalProperties: false },
);

export const SecretView = Type.Object(
  {
    object: Type.Literal('secret'),
    owner: Type.String(),
    name: Type.String(),
    kek_id: Type.String(),
    version: Type.Integer(),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { additionalProperties: false },
);

export const AuditEventList = ListOf(
  AuditEventSchema,
  'Newest first; pass `next_cursor` back as `cursor` for the next page.',
);

export const AuditExport = Type.String({
  description: 'JSON lines (`application/x-ndjson`): one audit event per line, oldest first.',
  contentMediaType: 'application/x-ndjson',
});

const ChainHeadView = Type.Object({ seq: Type.Integer(), hash: Type.String() }, { additionalProperties: false });
const ChainBreakView = Type.Object(
  { seq: Type.Integer(), id: NullableString, reason: Type.String(), detail: Type.String() },
  { additionalProperties: false },
);

export const AuditVerifyView = Type.Object(
  {
    ok: Type.Boolean(),
    chains: Type.Array(
      Type.Union([
        Type.Object(
          { ok: Type.Literal(true), chainId: NullableString, count: Type.Integer(), head: ChainHeadView },
          { additionalProperties: false },
        ),
        Type.Object(
          { ok: Type.Literal(false), chainId: NullableString, count: Type.Integer(), firstBroken: ChainBreakView },
          { additionalProperties: false },
        ),
      ]),
    ),
  },
  { additionalProperties: false },
);

export const PromptLogView = Type.Object(
  {
    request_id: Type.String(),
    key_id: Type.String(),
    tenant_id: NullableString,
    team_id: NullableString,
    created_at: Timestamp,
    expires_at: Timestamp,
    request: Type.Unknown({ description: 'The request body as the client sent it.' }),
    response: Type.String({ description: 'The reply text.' }),
  },
  { additionalProperties: false },
);
