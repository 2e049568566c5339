import { type CallTrace, McpFailure, type McpFailureCode, RpcError, type RpcErrorObject } from '../../../mcp/index.ts';
import type { RequestContext } from '../../context.ts';
import { type ErrorCode as CatalogCode, GatehouseError } from '../../errors.ts';

// Every MCP failure code is a catalog code; this line fails to compile the day one is not.
const asCatalogCode = (code: McpFailureCode): CatalogCode => code;

/** The catalog error for an MCP failure, for the REST surface (and for the message on the MCP endpoint). */
export function toGatehouseError(failure: McpFailure): GatehouseError {
  const headers: Record<string, string> = {};
  const retryAfterMs = failure.values.retry_after_ms;
  if (typeof retryAfterMs === 'number') headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
  return new GatehouseError(asCatalogCode(failure.code), {
    values: failure.values,
    param: failure.param,
    headers,
    cause: failure,
  });
}

/**
 * JSON-RPC codes for gateway refusals on the MCP endpoints. Unknown tools, prompts and resources and bad
 * parameters are -32602 (MCP 2025-11-25 server/tools §Error Handling; 2026-07-28 maps resource-not-found there
 * too); the rest use the server-defined range (-32000..-32099, JSON-RPC 2.0 §5.1), away from the SDK's own
 * -32000/-32001 and the revision's -32020..-32022. `data.code` is always the catalog code.
 */
const JSON_RPC_CODES: Partial<Record<McpFailureCode, number>> = {
  mcp_server_not_found: -32602,
  tool_not_found: -32602,
  prompt_not_found: -32602,
  mcp_resource_not_found: -32602,
  tool_arguments_invalid: -32602,
  tool_arguments_too_large: -32602,
  mcp_request_state_invalid: -32602,
  tool_quarantined: -32010,
  tool_rate_limited: -32011,
  mcp_upstream_unavailable: -32012,
  mcp_upstream_timeout: -32012,
  mcp_upstream_error: -32012,
  mcp_input_unavailable: -32014,
  mcp_authorization_required: -32015,
};
const FORBIDDEN = -32013;
/** JSON-RPC 2.0 §5.1 internal error, and the MCP request-cancelled code the SDKs use. */
const INTERNAL_ERROR = -32603;
const REQUEST_CANCELLED = -32800;

export function toRpcError(error: unknown): RpcErrorObject {
  if (error instanceof McpFailure) {
    const rendered = toGatehouseError(error);
    const data: Record<string, unknown> = { code: error.code, status: rendered.statusCode };
    if (error.code === 'mcp_request_state_invalid') data.reason = 'invalid_request_state';
    if (typeof error.values.url === 'string') data.url = error.values.url;
    return { code: JSON_RPC_CODES[error.code] ?? FORBIDDEN, message: rendered.message, data };
  }
  if (error instanceof RpcError) {
    return error.data === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, data: error.data };
  }
  if (error instanceof Error && error.name === 'AbortError')
    return { code: REQUEST_CANCELLED, message: 'Request cancelled' };
  return { code: INTERNAL_ERROR, message: 'Internal error' };
}

/** Copies what a call did into the request's audit event (allow-listed keys only; see MCP_CALL_META). */
export function recordTrace(context: RequestContext, trace: CallTrace): void {
  if (trace.server === null) return;
  context.setMeta('server', trace.server);
  context.setMeta('tool', trace.tool);
  context.setMeta('tool_sha256', trace.toolSha256);
  context.setMeta('args_sha256', trace.argsSha256);
  context.setMeta('capability_jti', trace.capabilityJti);
  context.setMeta('capability_reason', trace.capabilityReason);
  context.setMeta('result', trace.result);
  if (trace.upstreamMs !== null) {
    context.setMeta('upstream_ms', Math.round(trace.upstreamMs * 1000) / 1000);
    context.upstream = { id: trace.server, target: trace.tool, attempts: 1 };
    context.upstreamNs = BigInt(Math.round(trace.upstreamMs * 1e6));
  }
}

export { McpFailure };
