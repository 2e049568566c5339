/**
 * @module Expected MCP failures as values the HTTP layer maps 1:1 onto catalog codes (`src/http/errors.ts`).
 * The gateway's own code is the source of truth; the upstream's message never reaches the client verbatim.
 */
export type McpFailureCode =
  | 'mcp_server_not_found'
  | 'tool_not_found'
  | 'tool_quarantined'
  | 'tool_not_allowed'
  | 'tool_arguments_denied'
  | 'tool_arguments_invalid'
  | 'tool_arguments_too_large'
  | 'tool_rate_limited'
  | 'capability_required'
  | 'capability_invalid'
  | 'capability_expired'
  | 'capability_mismatch'
  | 'capability_replayed'
  | 'mcp_upstream_unavailable'
  | 'mcp_upstream_timeout'
  | 'mcp_upstream_error'
  | 'prompt_not_found'
  | 'mcp_resource_not_found'
  | 'mcp_method_not_allowed'
  | 'mcp_request_state_invalid'
  | 'mcp_input_unavailable'
  | 'mcp_authorization_required';

export class McpFailure extends Error {
  readonly code: McpFailureCode;
  readonly values: Record<string, string | number>;
  readonly param: string | null;

  constructor(
    code: McpFailureCode,
    values: Record<string, string | number> = {},
    options: { param?: string | null; cause?: unknown } = {},
  ) {
    super(`${code}: ${JSON.stringify(values)}`, { cause: options.cause });
    this.name = 'McpFailure';
    this.code = code;
    this.values = values;
    this.param = options.param ?? null;
  }
}

/**
 * A JSON-RPC error answered by the other side of a relay (an upstream server's answer to the client's request, or
 * the client's answer to an upstream's request for input), relayed with its code, message and data: it is that
 * side's protocol answer, not a gateway failure.
 */
export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
  }
}

/** An upstream's JSON-RPC error answer. */
export class UpstreamRpcError extends RpcError {}
