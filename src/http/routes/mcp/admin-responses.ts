import { Type } from '@sinclair/typebox';
import { ToolPolicySchema } from '../../../domain/mcp/index.ts';
import { ListOf } from '../admin/responses.ts';

const NullableString = Type.Union([Type.String(), Type.Null()]);

export const McpServerView = Type.Object(
  {
    object: Type.Literal('mcp_server'),
    id: Type.String(),
    source: Type.String({ description: '`config` (read-only here) or `admin`.' }),
    transport: Type.String(),
    description: Type.String(),
    status: Type.String({ description: 'Connection state: idle, connecting, ready, backoff…' }),
    last_error: NullableString,
    connects: Type.Integer(),
    tools: Type.Array(
      Type.Object(
        {
          name: Type.String(),
          sha256: Type.String(),
          status: Type.Union([Type.Literal('approved'), Type.Literal('quarantined')]),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const McpServerList = ListOf(McpServerView);

export const McpServerRegistered = Type.Object(
  {
    object: Type.Literal('mcp_server'),
    id: Type.String(),
    transport: Type.String(),
    url: Type.String(),
    description: Type.String(),
  },
  { additionalProperties: false },
);

export const McpPinView = Type.Object(
  {
    object: Type.Literal('mcp_tool_pin'),
    tool: Type.String(),
    status: Type.Union([Type.Literal('approved'), Type.Literal('quarantined')]),
    approved_sha256: NullableString,
    pending_sha256: NullableString,
    pending_definition: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
      description: 'The changed definition awaiting approval (name, description, schemas, annotations).',
    }),
    approved_by: NullableString,
    updated_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const McpPinList = ListOf(McpPinView);

export const McpPinApproved = Type.Object(
  {
    object: Type.Literal('mcp_tool_pin'),
    server: Type.String(),
    tool: Type.String(),
    status: Type.Literal('approved'),
    approved_sha256: Type.String(),
  },
  { additionalProperties: false },
);

export const McpPolicyView = Type.Object(
  { object: Type.Literal('mcp_tool_policy'), team_id: Type.String(), ...ToolPolicySchema.properties },
  { additionalProperties: false },
);
