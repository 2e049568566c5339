/**
 * @module Trace context with tracing off: the client's `traceparent`/`tracestate` are passed on to upstreams
 * unchanged, so a trace the caller started still joins up with what the upstream records, though the gateway
 * itself records nothing. Built only for requests that carry a `traceparent`; every other request costs one
 * header lookup.
 */
import type { HeaderBag, OutboundSpan, OutboundTrace } from './request-trace.ts';

/** Its own span too: with nothing recorded there is nothing per call to keep apart. */
class ForwardedTrace implements OutboundTrace, OutboundSpan {
  readonly recording = false;
  readonly #traceparent: string;
  readonly #tracestate: string | null;

  constructor(traceparent: string, tracestate: string | null) {
    this.#traceparent = traceparent;
    this.#tracestate = tracestate;
  }

  startSpan(): OutboundSpan {
    return this;
  }

  inject(headers: Record<string, string | string[]>): void {
    headers.traceparent = this.#traceparent;
    if (this.#tracestate !== null) headers.tracestate = this.#tracestate;
    else delete headers.tracestate;
  }

  set(): void {}
  event(): void {}
  end(): void {}
  link(): void {}
}

/**
 * The client's trace context to pass on, or null without one. A repeated `traceparent` is invalid (W3C Trace
 * Context §3.2) and is not passed on; repeated `tracestate` headers are one list, joined as the spec allows.
 */
export function forwardClientTrace(headers: HeaderBag): OutboundTrace | null {
  const traceparent = headers.traceparent;
  if (typeof traceparent !== 'string') return null;
  const tracestate = headers.tracestate;
  return new ForwardedTrace(
    traceparent,
    tracestate === undefined ? null : Array.isArray(tracestate) ? tracestate.join(',') : tracestate,
  );
}
