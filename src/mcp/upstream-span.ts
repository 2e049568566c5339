/**
 * @module An upstream MCP request as a client span of the request's trace (OpenTelemetry MCP conventions:
 * `mcp.method.name`, `{method} {target}`), with its W3C context carried twice: in the request's `params._meta`
 * (`traceparent`, `tracestate`: SEP-414's keys, which every transport carries, stdio included) and, for servers
 * that speak HTTP, in the HTTP headers too. The client's other `_meta` keys pass as they are; its own trace keys
 * give way to the gateway's span, as its `traceparent` header does. Arguments, URIs and results stay out of the
 * span: they may hold what the server was given to guard.
 */
import type { OutboundSpan, OutboundTrace, SpanAttributes } from '../telemetry/index.ts';
import type { McpServerSpec } from './config.ts';
import { McpFailure, RpcError } from './errors.ts';
import type { ServerEntry } from './registry.ts';
import { isObject, type JsonObject } from './wire.ts';

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

/** One upstream request's params and HTTP headers, with the span's trace context in them. */
export interface Carried {
  params: JsonObject;
  headers: Record<string, string> | undefined;
}

/**
 * `params` with the span's context in `_meta`, and `headers` with it too when the server speaks HTTP. Without a
 * span (tracing off and no client context) both go as they are, the client's own `_meta` trace keys included.
 */
export function propagate(
  span: OutboundSpan | null,
  entry: { spec: McpServerSpec },
  params: JsonObject,
  headers: Record<string, string> | undefined,
): Carried {
  if (span === null) return { params, headers };
  const context: Record<string, string> = {};
  span.inject(context);
  const { traceparent, tracestate } = context;
  if (traceparent === undefined) return { params, headers };
  const meta: JsonObject = isObject(params._meta) ? { ...params._meta } : {};
  meta.traceparent = traceparent;
  // A tracestate belongs to the traceparent beside it: the client's would describe a parent no longer named.
  if (tracestate === undefined) delete meta.tracestate;
  else meta.tracestate = tracestate;
  return {
    params: { ...params, _meta: meta },
    headers: entry.spec.transport === 'stdio' ? headers : { ...headers, ...context },
  };
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
  params: JsonObject,
  send: (carried: Carried) => Promise<T>,
): Promise<T> {
  const span = startUpstreamSpan(outbound, entry, target === null ? method : `${method} ${target}`, {
    'mcp.method.name': method,
  });
  try {
    const result = await send(propagate(span, entry, params, undefined));
    span?.end();
    return result;
  } catch (error) {
    span?.end(errorTypeOf(error));
    throw error;
  }
}

/** `UpstreamConnection.request` options carrying `carried`'s headers, when there are any. */
export function withHeaders(carried: Carried): { headers?: Record<string, string> } {
  return carried.headers ? { headers: carried.headers } : {};
}
