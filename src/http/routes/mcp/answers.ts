/**
 * @module What the MCP routes answer, for the OpenAPI document and the test gateway's response checks. The transport
 * endpoints speak JSON-RPC as the MCP specification defines it (either era), so their messages are described, not
 * re-specified; the REST surface's answers are the gateway's own and described field by field.
 */
import { Type } from '@sinclair/typebox';

export const JsonRpcMessage = Type.Object(
  { jsonrpc: Type.Literal('2.0') },
  {
    additionalProperties: true,
    description: 'One JSON-RPC 2.0 message of the MCP protocol (a request, notification or response).',
  },
);

export const TransportAnswer = Type.Unknown({
  description:
    'A JSON-RPC answer (application/json), an SSE stream of messages (text/event-stream), or for a notification ' +
    'or response, 202 with no body; GET opens the server-to-client stream, DELETE ends a session.',
});

export const McpServerList = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(
    Type.Object({ object: Type.Literal('mcp_server'), id: Type.String() }, { additionalProperties: true }),
  ),
});

export const McpToolList = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(
    Type.Object(
      {
        object: Type.Literal('mcp_tool'),
        name: Type.String(),
        aggregated_name: Type.String(),
        sha256: Type.String(),
      },
      { additionalProperties: true },
    ),
  ),
});

export const McpToolResult = Type.Object(
  {
    object: Type.Literal('mcp_tool_result'),
    server: Type.String(),
    tool: Type.String(),
  },
  { additionalProperties: true, description: "The tool's CallToolResult (content, structuredContent, isError)." },
);
