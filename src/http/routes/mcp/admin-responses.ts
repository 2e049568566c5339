import { Type } from '@sinclair/typebox';
import { ToolPolicySchema } from '../../../domain/mcp/index.ts';
import { VirtualServerBodySchema } from '../../../mcp/index.ts';
import { ListOf } from '../admin/responses.ts';

const NullableString = Type.Union([Type.String(), Type.Null()]);
const PinStatus = Type.Union([Type.Literal('approved'), Type.Literal('quarantined')]);
const Era = Type.Union([Type.Literal('auto'), Type.Literal('legacy'), Type.Literal('modern')], {
  description: '`legacy` (2025 sessions), `modern` (2026-07-28) or `auto` (probed at connect).',
});

const Pinned = { sha256: Type.String(), status: PinStatus };
const PinnedNames = Type.Array(Type.Object({ name: Type.String(), ...Pinned }, { additionalProperties: false }));
const PinnedTemplates = Type.Array(
  Type.Object({ uri_template: Type.String(), ...Pinned }, { additionalProperties: false }),
);

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
    era: Era,
    protocol_version: Type.Union([Type.String(), Type.Null()], { description: 'Negotiated with the upstream.' }),
    tools: PinnedNames,
    prompts: PinnedNames,
    resource_templates: PinnedTemplates,
    resources: Type.Integer({ description: 'Resources listed by the upstream.' }),
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
    era: Era,
  },
  { additionalProperties: false },
);

export const McpPinView = Type.Object(
  {
    object: Type.Literal('mcp_tool_pin'),
    tool: Type.String({ description: 'The pin key: a tool name, `prompt:<name>` or `resource_template:<uri>`.' }),
    server: Type.String(),
    kind: Type.Union([Type.Literal('tool'), Type.Literal('prompt'), Type.Literal('resource_template')]),
    name: Type.String(),
    key: Type.String(),
    status: PinStatus,
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
  {
    object: Type.Literal('mcp_tool_policy'),
    team_id: Type.String(),
    stored: Type.Boolean({ description: 'False when the team has no policy and the default applies.' }),
    ...ToolPolicySchema.properties,
  },
  { additionalProperties: false },
);

export const McpVirtualServerView = Type.Object(
  {
    object: Type.Literal('mcp_virtual_server'),
    endpoint: Type.String(),
    name: Type.String(),
    source: Type.Union([Type.Literal('config'), Type.Literal('admin')]),
    description: Type.String(),
    members: VirtualServerBodySchema.properties.members,
  },
  { additionalProperties: false },
);

export const McpVirtualServerList = ListOf(McpVirtualServerView);
