import { Type } from '@sinclair/typebox';
import { DIALECTS } from '../llm/dialects/registry.ts';

const DialectId = Type.Union(Object.keys(DIALECTS).map((id) => Type.Literal(id)));

/** One entry of `contracts/surfaces.json`: the registry every route must appear in (DESIGN §2 invariant 1). */
export const SurfaceSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$' }),
    method: Type.Union(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', '*'].map((m) => Type.Literal(m))),
    path: Type.String({ pattern: '^/' }),
    auth: Type.Array(
      Type.Union([Type.Literal('none'), Type.Literal('key'), Type.Literal('admin_token'), Type.Literal('jwt')]),
      { minItems: 1, uniqueItems: true },
    ),
    permissions: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$' }), { uniqueItems: true }),
    scope: Type.Optional(
      Type.Union(
        ['principal', 'platform', 'tenant_param', 'team_param', 'team_id_param', 'key_param'].map((r) =>
          Type.Literal(r),
        ),
      ),
    ),
    auditMeta: Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true }),
    classification: Type.Union(['public', 'internal', 'confidential', 'restricted'].map((c) => Type.Literal(c))),
    description: Type.String({ minLength: 1 }),
    dialect: Type.Optional(DialectId),
    // A request carrying header `name` is a client of `dialect`: its errors take that dialect's envelope.
    dialectHeader: Type.Optional(
      Type.Object(
        { name: Type.String({ pattern: '^[a-z0-9-]+$' }), dialect: DialectId },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'surface', additionalProperties: false },
);
