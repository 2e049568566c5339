import type { Registry } from 'prom-client';
import type { TelemetryConfig } from './config.ts';

export interface TelemetryExport {
  shutdown(): Promise<void>;
}

/**
 * Starts the configured OTLP exporters, or returns null without loading any OpenTelemetry module when none is
 * configured: the SDK's module graph costs startup time that a gateway with telemetry off should not pay.
 */
export async function startTelemetryExport(
  config: TelemetryConfig,
  regionId: string,
  registry: Registry,
): Promise<TelemetryExport | null> {
  const otlp = config.metrics.otlp;
  if (otlp === null) return null;
  const [{ startOtlpMetrics }, { gatewayResource }] = await Promise.all([
    import('./otlp-metrics.ts'),
    import('./resource.ts'),
  ]);
  return startOtlpMetrics({ ...otlp, registry, resource: gatewayResource(config, regionId) });
}
