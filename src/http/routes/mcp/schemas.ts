import { type Static, Type } from '@sinclair/typebox';
import { SERVER_ID_PATTERN, ToolPolicySchema } from '../../../domain/mcp/index.ts';
import { VIRTUAL_NAME_PATTERN, VirtualServerBodySchema } from '../../../mcp/index.ts';
import { TeamRef, TenantRef } from '../../names.ts';

export { VirtualServerBodySchema };

export const VirtualParamsSchema = Type.Object(
  { name: Type.String({ pattern: VIRTUAL_NAME_PATTERN }) },
  { additionalProperties: false },
);

export const ServerParamsSchema = Type.Object(
  { server: Type.String({ pattern: SERVER_ID_PATTERN }) },
  { additionalProperties: false },
);

export const ToolParamsSchema = Type.Object(
  {
    server: Type.String({ pattern: SERVER_ID_PATTERN }),
    // MCP 2025-11-25 tool names: 1-128 of [A-Za-z0-9_.-]; looser names are still addressable by exact match.
    tool: Type.String({ minLength: 1, maxLength: 128 }),
  },
  { additionalProperties: false },
);

export const ToolCallBodySchema = Type.Object(
  { arguments: Type.Optional(Type.Record(Type.String(), Type.Unknown())) },
  { additionalProperties: false },
);
export type ToolCallBody = Static<typeof ToolCallBodySchema>;

export const TeamParamsSchema = Type.Object(
  { team_id: TeamRef("A team id, or a team name within `tenant` (or the caller's tenant).") },
  { additionalProperties: false },
);

/** Only qualifies a team name in the path; the team's own tenant is what counts. */
export const TeamTenantQuerySchema = Type.Object(
  { tenant: Type.Optional(TenantRef()) },
  { additionalProperties: false },
);

export { ToolPolicySchema };

export const ApproveBodySchema = Type.Object(
  { sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) },
  { additionalProperties: false },
);

export const ApproveKeyBodySchema = Type.Object(
  {
    /** The pin key: a tool name, `prompt:<name>` or `resource_template:<uri template>`. */
    key: Type.String({ minLength: 1, maxLength: 2048 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  },
  { additionalProperties: false },
);

export const RegisterServerBodySchema = Type.Object(
  {
    id: Type.String({ pattern: SERVER_ID_PATTERN }),
    transport: Type.Union([Type.Literal('streamable_http'), Type.Literal('sse')]),
    url: Type.String({ pattern: '^https?://', maxLength: 2048 }),
    description: Type.Optional(Type.String({ maxLength: 512 })),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
    /** The protocol era spoken upstream: probe (`auto`), 2025 sessions (`legacy`) or 2026-07-28 (`modern`). */
    era: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('legacy'), Type.Literal('modern')])),
    /** Sent upstream as `<credential_header>: <credential>`; stored as an envelope, never returned. */
    credential: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })),
    credential_header: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' })),
  },
  { additionalProperties: false },
);
export type RegisterServerBody = Static<typeof RegisterServerBodySchema>;
