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
  | 'mcp_upstream_error';

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
