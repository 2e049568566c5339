/**
 * @module Spans for the upstream work no relayed request names: connecting (the process start or HTTP handshake,
 * `initialize` or `server/discover` included), listing a server's catalog, and the `resources/subscribe` and
 * `unsubscribe` the gateway sends once per URI for all its subscribers. Inside a request (entered with
 * `withUpstreamTrace`) they are client spans of its trace; outside one (listing at start, after `list_changed` or a
 * reconnect) they are root client spans of the gateway's tracer, or nothing with tracing off.
 *
 * The work itself runs outside the request's context: a connection outlives the request that opened it, and its
 * process, streams and notification handlers must not carry that request's trace into later, unrelated work.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { OutboundSpan, OutboundTrace, SpanAttributes } from '../telemetry/index.ts';
import type { McpServerSpec } from './config.ts';
import { errorTypeOf } from './upstream-span.ts';

const requestTrace = new AsyncLocalStorage<OutboundTrace>();

/** Runs a request's MCP work with its trace as the parent of the lifecycle work it sets off. */
export function withUpstreamTrace<T>(outbound: OutboundTrace | null, work: () => Promise<T>): Promise<T> {
  return outbound === null ? work() : requestTrace.run(outbound, work);
}

/**
 * Runs `work` under a client span `{name} {server}` with the server's name and transport: a child of the current
 * request's trace, else a root span of `roots` (the gateway's tracer, null with tracing off).
 */
export async function lifecycleSpan<T>(
  roots: OutboundTrace | null,
  spec: McpServerSpec,
  name: string,
  attributes: SpanAttributes,
  work: (span: OutboundSpan | null) => Promise<T>,
): Promise<T> {
  const parent = requestTrace.getStore() ?? roots;
  const span =
    parent?.startSpan(`${name} ${spec.id}`, {
      ...attributes,
      'gatehouse.mcp.server': spec.id,
      'gatehouse.mcp.transport': spec.transport,
    }) ?? null;
  try {
    const result = await requestTrace.exit(() => work(span));
    span?.end();
    return result;
  } catch (error) {
    span?.end(errorTypeOf(error));
    throw error;
  }
}
