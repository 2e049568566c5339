import { Type } from '@sinclair/typebox';
import { ListOf } from '../admin/responses.ts';

const NullableString = Type.Union([Type.String(), Type.Null()]);

export const VaultServiceView = Type.Object(
  {
    id: Type.String(),
    description: Type.String(),
    base_url: Type.String(),
    allowed_methods: Type.Array(Type.String()),
    allowed_paths: Type.Array(Type.String()),
    auth_type: Type.String(),
    timeout_ms: Type.Integer(),
    rate_limit: Type.Union([
      Type.Object({ requests: Type.Integer(), window_ms: Type.Integer() }, { additionalProperties: false }),
      Type.Null(),
    ]),
    source: Type.String({ description: '`config` (read-only here) or `admin`.' }),
    credentials: Type.Array(
      Type.Object(
        {
          scope: Type.String({ description: '`service`, `tenant:<id>` or `key:<id>`.' }),
          version: Type.Integer(),
          updated_at: Type.String({ format: 'date-time' }),
          healthy: Type.Union([Type.Boolean(), Type.Null()]),
          unhealthy_reason: NullableString,
        },
        { additionalProperties: false },
      ),
      { description: 'Where credentials are stored, never what they are.' },
    ),
  },
  { additionalProperties: false },
);

export const VaultServiceList = ListOf(VaultServiceView);

export const VaultServiceDeleted = Type.Object(
  { id: Type.String(), deleted: Type.Literal(true) },
  { additionalProperties: false },
);

export const VaultCredentialStored = Type.Object(
  { service: Type.String(), scope: Type.String(), version: Type.Integer(), credential_id: Type.String() },
  { additionalProperties: false },
);

export const VaultCredentialDeleted = Type.Object(
  { service: Type.String(), scope: Type.String(), deleted: Type.Literal(true) },
  { additionalProperties: false },
);

export const KeyGrantsView = Type.Object(
  { key_id: Type.String(), services: Type.Array(Type.String()) },
  { additionalProperties: false },
);
