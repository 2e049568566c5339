/**
 * @module Telemetry: the metric instruments behind `/metrics` and OTLP, the per-request observer (metrics and the
 * access log, read from the audit draft), and their configuration from `telemetry:` and the `OTEL_*` variables.
 *
 * The OpenTelemetry SDK modules are not exported here: `startTelemetryExport` imports them only when an exporter
 * is configured, so a gateway (or a CLI command) with telemetry off never loads them.
 */
export { type BudgetReading, type BudgetSeriesOptions, budgetSeries } from './budget-series.ts';
export {
  parseKeyValueList,
  resolveTelemetryConfig,
  type TelemetryConfig,
  type TelemetrySection,
  TelemetrySectionSchema,
} from './config.ts';
export { startTelemetryExport, type TelemetryExport } from './export.ts';
export { forwardClientTrace } from './forwarded-trace.ts';
export {
  type CollectedGauge,
  createMetrics,
  type DenialReason,
  type GatewayMetrics,
  type LlmObservation,
} from './metrics.ts';
export {
  type AccessLogOptions,
  createRequestObserver,
  type RequestObserver,
  type RequestObserverOptions,
} from './request-observer.ts';
export type {
  HeaderBag,
  OutboundSpan,
  OutboundTrace,
  PipelineStage,
  RequestTrace,
  RequestTracer,
  SpanAttributes,
  SpanValue,
} from './request-trace.ts';
