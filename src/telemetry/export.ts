import type { Registry } from 'prom-client';
import type { TelemetryConfig } from './config.ts';
import type { RequestTracer } from './request-trace.ts';

export interface TelemetryExport {
  /** The request tracer, or null when traces are off. */
  readonly tracer: RequestTracer | null;
  /** Sends what is buffered and stops the exporters. */
  shutdown(): Promise<void>;
}

const NOTHING: TelemetryExport = { tracer: null, shutdown: async () => {} };

/**
 * Starts the configured OTLP exporters. With none configured it loads no OpenTelemetry module at all: the SDK's
 * module graph costs startup time (and memory) that a gateway or CLI with telemetry off should not pay.
 */
export async function startTelemetryExport(
  config: TelemetryConfig,
  regionId: string,
  registry: Registry,
): Promise<TelemetryExport> {
  const { traces } = config;
  const otlp = config.metrics.otlp;
  if (traces === null && otlp === null) return NOTHING;
  const { gatewayResource } = await import('./resource.ts');
  const resource = gatewayResource(config, regionId);
  const metrics =
    otlp === null ? null : (await import('./otlp-metrics.ts')).startOtlpMetrics({ ...otlp, registry, resource });
  const tracer =
    traces === null
      ? null
      : (await import('./tracing.ts')).createOtelRequestTracer({
          endpoint: traces.endpoint,
          headers: traces.headers,
          sampleRatio: traces.sampleRatio,
          resource,
        });
  return {
    tracer,
    async shutdown() {
      await Promise.all([metrics?.shutdown(), tracer?.shutdown()]);
    },
  };
}
