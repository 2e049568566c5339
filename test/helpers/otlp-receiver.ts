/**
 * @module A real OTLP/HTTP receiver on 127.0.0.1:0: accepts `POST /v1/traces` and `/v1/metrics` with JSON bodies
 * (the OTLP/HTTP JSON encoding: hex trace and span ids, attributes as `{key, value: {stringValue | intValue | …}}`),
 * decodes the spans into plain objects, and keeps every raw body so a test can search all of it for a canary.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: Array<{ key: string; value: AnyValue }>;
  events?: Array<{ name: string; timeUnixNano: string }>;
  links?: Array<{ traceId: string; spanId: string }>;
  status?: { code?: number };
}

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, string | number | boolean>;
  events: string[];
  /** The spans this one links to (OTLP span links), by trace and span id. */
  links: Array<{ traceId: string; spanId: string }>;
  statusCode: number;
  resource: Record<string, string | number | boolean>;
}

function decodeValue(value: AnyValue): string | number | boolean {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  return JSON.stringify(value);
}

function decodeAttributes(list: Array<{ key: string; value: AnyValue }> | undefined) {
  return Object.fromEntries((list ?? []).map((entry) => [entry.key, decodeValue(entry.value)]));
}

export interface OtlpReceiver {
  readonly endpoint: string;
  readonly spans: ReceivedSpan[];
  /** Every request body received, as text, in arrival order. */
  readonly bodies: string[];
  /** Metric names received over `/v1/metrics`. */
  readonly metricNames: Set<string>;
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const bodies: string[] = [];
  const metricNames = new Set<string>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      bodies.push(text);
      const body = JSON.parse(text) as {
        resourceSpans?: Array<{
          resource?: { attributes?: Array<{ key: string; value: AnyValue }> };
          scopeSpans?: Array<{ spans?: OtlpSpan[] }>;
        }>;
        resourceMetrics?: Array<{ scopeMetrics?: Array<{ metrics?: Array<{ name: string }> }> }>;
      };
      if (request.url === '/v1/traces') {
        for (const resourceSpans of body.resourceSpans ?? []) {
          const resource = decodeAttributes(resourceSpans.resource?.attributes);
          for (const scope of resourceSpans.scopeSpans ?? []) {
            for (const span of scope.spans ?? []) {
              spans.push({
                traceId: span.traceId,
                spanId: span.spanId,
                parentSpanId: span.parentSpanId ? span.parentSpanId : null,
                name: span.name,
                kind: span.kind,
                startNs: BigInt(span.startTimeUnixNano),
                endNs: BigInt(span.endTimeUnixNano),
                attributes: decodeAttributes(span.attributes),
                events: (span.events ?? []).map((event) => event.name),
                links: (span.links ?? []).map((link) => ({ traceId: link.traceId, spanId: link.spanId })),
                statusCode: span.status?.code ?? 0,
                resource,
              });
            }
          }
        }
      } else if (request.url === '/v1/metrics') {
        for (const resourceMetrics of body.resourceMetrics ?? []) {
          for (const scope of resourceMetrics.scopeMetrics ?? []) {
            for (const metric of scope.metrics ?? []) metricNames.add(metric.name);
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    bodies,
    metricNames,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
