/**
 * @module Telemetry: the metric instruments behind `/metrics` and OTLP, the per-request observer (metrics and the
 * access log, read from the audit draft), and their configuration from `telemetry:` and the `OTEL_*` variables.
 */
export {
  parseKeyValueList,
  resolveTelemetryConfig,
  type TelemetryConfig,
  type TelemetrySection,
  TelemetrySectionSchema,
} from './config.ts';
export {
  type CollectedGauge,
  createMetrics,
  type DenialReason,
  type GatewayMetrics,
  type LlmObservation,
} from './metrics.ts';
export { startOtlpMetrics } from './otlp-metrics.ts';
export {
  type AccessLogOptions,
  createRequestObserver,
  type RequestObserver,
  type RequestObserverOptions,
} from './request-observer.ts';
export { gatewayResource } from './resource.ts';
