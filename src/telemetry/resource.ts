import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import type { TelemetryConfig } from './config.ts';

/** `service.name` and `service.version` first; `OTEL_RESOURCE_ATTRIBUTES` may add to them but not replace them. */
export function gatewayResource(config: TelemetryConfig, regionId: string): Resource {
  return resourceFromAttributes({
    'cloud.region': regionId,
    ...config.resourceAttributes,
    'service.name': config.serviceName,
    'service.version': process.env.npm_package_version ?? '0.1.0',
  });
}
