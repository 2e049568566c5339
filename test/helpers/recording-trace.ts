/**
 * An `OutboundTrace` that keeps every span a service opens, with the `traceparent` each one injected: services'
 * span and propagation logic tested without the OpenTelemetry SDK (the end-to-end test covers the SDK side).
 */
import { randomBytes } from 'node:crypto';
import type { OutboundSpan, OutboundTrace, SpanAttributes } from '../../src/telemetry/index.ts';

export class RecordedSpan implements OutboundSpan {
  readonly recording = true;
  readonly spanId = randomBytes(8).toString('hex');
  readonly attributes: SpanAttributes;
  readonly events: string[] = [];
  readonly links: OutboundSpan[] = [];
  ended = false;
  errorType: string | null = null;

  constructor(
    readonly traceId: string,
    readonly name: string,
    attributes: SpanAttributes,
  ) {
    this.attributes = { ...attributes };
  }

  get traceparent(): string {
    return `00-${this.traceId}-${this.spanId}-01`;
  }

  inject(headers: Record<string, string | string[]>): void {
    headers.traceparent = this.traceparent;
  }

  set(attributes: SpanAttributes): void {
    Object.assign(this.attributes, attributes);
  }

  event(name: string): void {
    this.events.push(name);
  }

  end(errorType?: string | null): void {
    if (this.ended) throw new Error(`span ${this.name} ended twice`);
    this.ended = true;
    this.errorType = errorType ?? null;
  }

  link(other: OutboundSpan): void {
    this.links.push(other);
  }
}

export class RecordingTrace implements OutboundTrace {
  readonly traceId = randomBytes(16).toString('hex');
  readonly spans: RecordedSpan[] = [];

  startSpan(name: string, attributes: SpanAttributes): RecordedSpan {
    const span = new RecordedSpan(this.traceId, name, attributes);
    this.spans.push(span);
    return span;
  }
}
