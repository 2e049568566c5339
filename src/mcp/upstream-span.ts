/**
 * @module An upstream MCP request as a client span of the request's trace (OpenTelemetry MCP conventions:
 * `mcp.method.name`, `{method} {target}`), with its W3C context in the request's HTTP headers. Stdio servers get
 * the span but no context: they have no headers, and `_meta` is the client's to fill, not the gateway's.
 * Arguments, URIs and results stay out of the span: they may hold what the server was given to guard.
 */
import type { OutboundSpan, OutboundTrace, SpanAttributes } from '../telemetry/index.ts';
import { McpFailure, RpcError } from './errors.ts';
import type { ServerEntry } from './registry.ts';

export function startUpstreamSpan(
  outbound: OutboundTrace | null,
  entry: ServerEntry,
  name: string,
  attributes: SpanAttributes,
): OutboundSpan | null {
  if (outbound === null) return null;
  return outbound.startSpan(name, {
    ...attributes,
    'gatehouse.mcp.server': entry.spec.id,
    'gatehouse.mcp.transport': entry.spec.transport,
  });
}

/** The headers to send: `headers` plus the span's trace context when the server speaks HTTP. */
export function propagate(
  span: OutboundSpan | null,
  entry: ServerEntry,
  headers: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (span === null || entry.spec.transport === 'stdio') return headers;
  const carried = headers ?? {};
  span.inject(carried);
  return carried;
}

/** `error.type` of a failed upstream request: the gateway's failure code, or the server's JSON-RPC error. */
export function errorTypeOf(error: unknown): string {
  if (error instanceof McpFailure) return error.code;
  if (error instanceof RpcError) return `rpc_${error.code}`;
  return error instanceof Error && error.name === 'AbortError' ? 'aborted' : 'failed';
}

/** Sends one request under its own span, ending the span with how it went. */
export async function tracedRequest<T>(
  outbound: OutboundTrace | null,
  entry: ServerEntry,
  method: string,
  target: string | null,
  send: (headers: Record<string, string> | undefined) => Promise<T>,
): Promise<T> {
  const span = startUpstreamSpan(outbound, entry, target === null ? method : `${method} ${target}`, {
    'mcp.method.name': method,
  });
  try {
    const result = await send(propagate(span, entry, undefined));
    span?.end();
    return result;
  } catch (error) {
    span?.end(errorTypeOf(error));
    throw error;
  }
}
